# Customer → end user (rule 6): one primary email, the other emails and the
# phones as identities; customers sharing an email (in any case) become one
# Zendesk user.
user "customer" {
  from         = "customer"
  merge_by     = "primary_email(emails)"
  name         = "coalesce(trim(displayName), trim(name), primary_email(emails), primary_phone(phones, var.default_country), 'Kustomer customer ' + id)"
  email        = "primary_email(emails)"
  identities   = "concat(other_emails(emails), primary_email(emails) == '' ? other_phones(phones, var.default_country) : map(phones, e164(#.phone, var.default_country)))"
  phone        = "primary_email(emails) == '' ? primary_phone(phones, var.default_country) : nil"
  external_id  = "'kustomer:customer:' + id"
  role         = "'end-user'"
  organization = "companyId"
  tags         = "slug_all(tags)"
  locale       = "locale"
  time_zone    = "timeZone"
  user_fields  = "custom" # each attribute to its user_field
}

# Agents (rule 7): Kustomer users become Zendesk agents before any ticket
# refers to them. Machine users (bots, integrations) are not migrated; the
# messages they wrote are authored by the importing admin.
user "agent" {
  from        = "user"
  when        = "userType != 'machine'"
  name        = "coalesce(trim(displayName), trim(name), email)"
  email       = "normalize_email(email)"
  external_id = "'kustomer:user:' + id"
  role        = "'agent'"
}
