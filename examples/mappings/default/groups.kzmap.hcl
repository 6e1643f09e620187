# Team → group, and its members → group memberships (rule 7).
group "team" {
  from = "team"
  name = "coalesce(trim(displayName), trim(name), 'Kustomer team ' + id)"
}

group_membership "team" {
  from     = "team"
  for_each = "members"
  user     = "each"
  group    = "id"
}
