# Klass → custom object, KObject → record (rule 14). Disabled Klasses are
# migrated too: their data is still the customer's.
custom_object "klass" {
  from             = "klass"
  key              = "zendesk_field_key(name)"
  title            = "coalesce(displayName, name)"
  title_pluralized = "pluralize(coalesce(displayName, name))"
  description      = "'Kustomer Klass ' + name + (status == 'disabled' ? ' (disabled in Kustomer)' : '')"
  max_fields       = 100
}

custom_object_record "kobject" {
  from         = "kobject"
  object       = "zendesk_field_key(klassName)"
  name         = "coalesce(trim(title), 'KObject ' + id)"
  external_id  = "'kustomer:kobject:' + id"
  fields       = "custom"
  user         = "customerId"
  organization = "companyId"
  on_oversize  = "report"
}
