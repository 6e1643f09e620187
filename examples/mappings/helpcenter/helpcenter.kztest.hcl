test "internal_draft_article_is_for_agents_and_keeps_its_tags" {
  mapping = hc_article.kb
  input = {
    type = "kb_article"
    id   = "65249b990d00000000000001"
    attributes = {
      title     = "Reglas internas"
      status    = "draft"
      scope     = "internal"
      source    = "es"
      tags      = ["refunds", "policy"]
      deleted   = false
      createdAt = "2023-05-01T08:00:00.000Z"
      updatedAt = "2023-06-01T08:00:00.000Z"
    }
    relationships = {
      createdBy = { data = { type = "user", id = "64f0000000000000000000u1" } }
    }
  }
  expect = {
    locale           = "es"
    title            = "Reglas internas"
    permission_group = "Admins"
    user_segment     = "Agents and admins"
    draft            = true
    label_names      = ["refunds", "policy"]
  }
}

test "public_article_is_for_everyone" {
  mapping = hc_article.kb
  input = {
    type = "kb_article"
    id   = "65249b990d00000000000002"
    attributes = {
      title     = "Returning an item"
      status    = "published"
      scope     = "public"
      source    = "en_us"
      createdAt = "2023-05-01T08:00:00.000Z"
      updatedAt = "2023-05-01T08:00:00.000Z"
    }
  }
  expect = {
    locale = "en-us"
    draft  = false
  }
  assert = ["out.user_segment == nil"]
}

test "a_translation_per_language_version_with_its_dates" {
  mapping = hc_translation.kb
  input = {
    type = "kb_article"
    id   = "65249b990d00000000000003"
    attributes = {
      title  = "Returning an item"
      status = "published"
      source = "en_us"
      langVersions = {
        en_us = { currentVersion = { id = {
          _id       = "65249b990e00000000000003"
          lang      = "en_us"
          title     = "Returning an item"
          htmlBody  = "<p>Open Orders.</p>"
          status    = "published"
          createdAt = "2023-05-01T08:00:00.000Z"
          updatedAt = "2023-07-02T08:00:00.000Z"
        } } }
        de = { currentVersion = { id = {
          _id       = "65249b990e00000000000004"
          lang      = "de"
          title     = "Artikel zurückgeben"
          htmlBody  = "<p>Bestellungen öffnen.</p>"
          status    = "draft"
          createdAt = "2023-05-03T08:00:00.000Z"
          updatedAt = "2023-05-03T08:00:00.000Z"
        } } }
      }
      createdAt = "2023-05-01T08:00:00.000Z"
      updatedAt = "2023-07-02T08:00:00.000Z"
    }
  }
  expect = [
    { locale = "en-us", title = "Returning an item", draft = false },
    { locale = "de", title = "Artikel zurückgeben", draft = true },
  ]
  assert = [
    "outs[0].body == '<p>Open Orders.</p><p class=\"kz-dates\">Written 01 May 2023, updated 02 Jul 2023 (in Kustomer).</p>'",
    "outs[1].body endsWith 'Written 03 May 2023 (in Kustomer).</p>'",
  ]
}
