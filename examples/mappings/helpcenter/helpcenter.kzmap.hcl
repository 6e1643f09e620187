# Knowledge base → Help Center. Help Center has categories → sections →
# articles; Kustomer's tree nests to any depth under a hidden root. So:
# a top-level category becomes a Help Center category, and a section of
# the same name when articles sit in it directly; a second-level category
# becomes a section of its parent's category; the articles of deeper
# categories go to their second-level ancestor's section (the record's
# `section` says which). Articles placed only in the root go to a
# "General" category and section. Every object keeps its source id: the
# aliases kb_category/<id>, kb_section/<id>, kb_article/<id> in the
# checkpoint, and the label kz-<id> on each article.

variable "hc_locale" {
  type        = string
  default     = "en-us"
  description = "The Help Center's default locale: categories and sections are created in it."
}

variable "hc_permission_group" {
  type        = string
  default     = "Admins"
  description = "The Guide permission group that may edit migrated articles."
}

variable "hc_internal_segment" {
  type        = string
  default     = "Agents and admins"
  description = "The user segment that may read Kustomer's internal articles (public ones: everyone)."
}

hc_category "kb" {
  from        = "kb_category"
  when        = "depth == 1 || (root && articles > 0)"
  name        = "root ? 'General' : coalesce(trim(title), 'Category ' + id)"
  description = "root ? '' : description"
  locale      = "var.hc_locale"
  position    = "position"
}

hc_section "kb" {
  from        = "kb_category"
  when        = "depth == 2 || ((depth == 1 || root) && articles > 0)"
  category    = "depth == 2 ? path[0] : id"
  name        = "root ? 'General' : coalesce(trim(title), 'Section ' + id)"
  description = "root ? '' : description"
  locale      = "var.hc_locale"
  position    = "depth == 2 ? position : 0"
}

hc_article "kb" {
  from             = "kb_article"
  section          = "section"
  locale           = "replace(lower(source), '_', '-')"
  title            = "coalesce(trim(title), 'Article ' + id)"
  permission_group = "var.hc_permission_group"
  user_segment     = "scope == 'internal' ? var.hc_internal_segment : nil"
  # Zendesk sets an article's draft only on create; each translation
  # keeps its own draft state after that.
  draft       = "status != 'published'"
  label_names = "tags"
  author      = "authorId"
}

# One translation per language version. Help Center's created_at and
# updated_at are read-only, so the Kustomer dates go in a last line of
# the body.
hc_translation "kb" {
  from     = "kb_article"
  for_each = "versions"
  locale   = "replace(lower(each.lang), '_', '-')"
  title    = "coalesce(trim(each.title), 'Article ' + id)"
  body     = "each.body + '<p class=\"kz-dates\">Written ' + format_time(each.createdAt, '%d %b %Y') + (each.updatedAt != each.createdAt ? ', updated ' + format_time(each.updatedAt, '%d %b %Y') : '') + ' (in Kustomer).</p>'"
  draft    = "each.status != 'published'"
}
