# Company → organization (rule 5): the source id rides in external_id.
organization "company" {
  from         = "company"
  name         = "trim(name) != '' ? trim(name) : 'Kustomer company ' + id"
  external_id  = "'kustomer:company:' + id"
  domain_names = "map(domains, lower(trim(#)))"
  tags         = "slug_all(tags)"
}
