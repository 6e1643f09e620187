# An e-commerce help desk: the default mapping plus the shop's order Klass
# as a Zendesk custom object whose records look up the customer (user) and
# the company (organization), and a VIP rule driven by a custom attribute.

module "base" {
  source     = "template:default"
  marker_tag = var.marker_tag
}

variable "marker_tag" {
  type    = string
  default = "kustomer-import"
}

variable "order_klass" {
  type        = string
  default     = "ecomm-order"
  description = "Machine name of the Klass that holds orders."
}

locals {
  vip_threshold = 500
}

# Customers whose lifetime value is high get a VIP tag on their user.
user "customer" {
  tags = "concat(slug_all(tags), (custom.lifetimeValueNum ?? 0) >= local.vip_threshold ? ['vip'] : [])"
}

# Orders become the `order` object; other Klasses keep the default rule
# (the default block below is narrowed to them).
custom_object "klass" {
  when = "name != var.order_klass"
}

custom_object "order" {
  from             = "klass"
  when             = "name == var.order_klass"
  key              = "'order'"
  title            = "'Order'"
  title_pluralized = "'Orders'"
  description      = "'Shop orders from Kustomer'"
}

custom_object_record "kobject" {
  when = "klassName != var.order_klass"
}

custom_object_record "order" {
  from         = "kobject"
  when         = "klassName == var.order_klass"
  object       = "'order'"
  name         = "'Order ' + (custom.orderNumberStr ?? title)"
  external_id  = "'kustomer:kobject:' + id"
  fields       = <<-EXPR
    {
      'order_number': custom.orderNumberStr,
      'total': custom.totalNum,
      'currency': upper(custom.currencyStr ?? 'usd'),
      'placed_at': custom.placedAt,
      'status': lower(custom.statusStr ?? 'unknown'),
      'tracking_url': custom.trackingUrl
    }
  EXPR
  user         = "customerId"
  organization = "companyId"
}
