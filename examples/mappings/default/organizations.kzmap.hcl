# Company → organization (rule 5): the source id rides in external_id.
# Zendesk keeps organization names unique ignoring case, so companies
# named alike ("Acme Corp", "ACME CORP ") become one organization.
organization "company" {
  from                = "company"
  merge_by            = "trim(name)"
  name                = "trim(name) != '' ? trim(name) : 'Kustomer company ' + id"
  external_id         = "'kustomer:company:' + id"
  domain_names        = "map(domains, lower(trim(#)))"
  tags                = "slug_all(tags)"
  organization_fields = "custom" # each attribute to its organization_field
}
