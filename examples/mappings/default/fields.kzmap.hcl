# Custom attributes → Zendesk fields (rule 25): every custom attribute of
# conversations, customers and companies gets a field of the matching type,
# created before the tickets, users and organizations that fill it. A Str
# attribute with few values, each used several times, becomes a dropdown
# (its values are its options); a Num whose values are all whole numbers an
# integer field. At (a timestamp) becomes a date field: Zendesk's date
# fields hold no time of day. Keys carry the attribute's name, so a re-run
# or another customer directory finds (and adopts) the same fields.
ticket_field "conversation" {
  from        = "conversation_attribute"
  key         = "zendesk_field_key('kz_' + custom_name(name))"
  type        = "fits_dropdown ? 'tagger' : (kind == 'Num' && integral ? 'integer' : lookup(local.field_types, kind, 'text'))"
  title       = "displayName"
  description = "'Kustomer conversation attribute ' + name"
  options     = "fits_dropdown ? values : []"
}

user_field "customer" {
  from        = "customer_attribute"
  key         = "zendesk_field_key('kz_' + custom_name(name))"
  type        = "fits_dropdown ? 'dropdown' : (kind == 'Num' && integral ? 'integer' : lookup(local.field_types, kind, 'text'))"
  title       = "displayName"
  description = "'Kustomer customer attribute ' + name"
  options     = "fits_dropdown ? values : []"
}

organization_field "company" {
  from        = "company_attribute"
  key         = "zendesk_field_key('kz_' + custom_name(name))"
  type        = "fits_dropdown ? 'dropdown' : (kind == 'Num' && integral ? 'integer' : lookup(local.field_types, kind, 'text'))"
  title       = "displayName"
  description = "'Kustomer company attribute ' + name"
  options     = "fits_dropdown ? values : []"
}
