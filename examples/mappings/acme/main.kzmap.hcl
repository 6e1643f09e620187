# Acme's migration: the shared default template with Acme's differences
# only. Everything not written here comes from the template.

module "base" {
  source          = "template:default"
  marker_tag      = "acme-import"
  default_country = "44"
  split_at        = 2000
}

target "zendesk" {
  plan = "enterprise"
}

# Acme parks snoozed conversations on hold rather than pending.
locals {
  status = {
    open    = "open"
    snoozed = "hold"
    done    = "solved"
  }
}

# Acme records extra assignees in a ticket field instead of tags, and
# routes tickets whose customer is on the Enterprise tier as problems.
ticket "conversation" {
  tags          = "uniq(concat(slug_all(tags), ['acme-import']))"
  type          = "custom.tierStr == 'enterprise' ? 'problem' : 'question'"
  custom_fields = <<-EXPR
    {
      'kustomer_other_assignees': join(but_last(assignedUsers), ','),
      'kustomer_conversation_id': id
    }
  EXPR
}
