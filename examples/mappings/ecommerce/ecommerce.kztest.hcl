test "order_record_with_lookups" {
  mapping = custom_object_record.order
  input   = <<-JSON
    {"type": "kobject", "id": "64f00000000000000000ko01",
     "attributes": {"title": "#1001", "custom": {"orderNumberStr": "1001", "totalNum": 129.9,
       "currencyStr": "eur", "placedAt": "2024-05-01T12:00:00.000Z", "statusStr": "Shipped",
       "trackingUrl": "https://track.example/1001"}},
     "relationships": {"klass": {"data": {"type": "klass", "id": "64f00000000000000000k001"},
                                 "links": {"self": "/v1/klasses/ecomm-order"}},
                       "customer": {"data": {"type": "customer", "id": "64f0000000000000000000c1"}},
                       "company": {"data": {"type": "company", "id": "64f00000000000000000co01"}}}}
  JSON
  expect = {
    object       = "order"
    name         = "Order 1001"
    user         = "64f0000000000000000000c1"
    organization = "64f00000000000000000co01"
    fields = {
      order_number = "1001"
      total        = 129.9
      currency     = "EUR"
      placed_at    = "2024-05-01T12:00:00.000Z"
      status       = "shipped"
      tracking_url = "https://track.example/1001"
    }
  }
}

test "other_klasses_keep_the_default_record_mapping" {
  mapping = custom_object_record.order
  input   = <<-JSON
    {"type": "kobject", "id": "64f00000000000000000ko02", "attributes": {"title": "Return"},
     "relationships": {"klass": {"links": {"self": "/v1/klasses/returns"}}}}
  JSON
  skipped = true
}

test "order_klass_is_not_mapped_twice" {
  mapping = custom_object.klass
  input = {
    type       = "klass"
    id         = "64f00000000000000000k001"
    attributes = { name = "ecomm-order", displayName = "Order", status = "enabled" }
  }
  skipped = true
}

test "vip_customer" {
  mapping = user.customer
  input = {
    type       = "customer"
    id         = "64f0000000000000000000c1"
    attributes = { name = "Big Spender", emails = [{ email = "big@shop.example" }], tags = ["Repeat Buyer"], custom = { lifetimeValueNum = 1200 } }
  }
  expect = { tags = ["repeat_buyer", "vip"], email = "big@shop.example" }
}

test "ticket_mapping_comes_from_the_default_template" {
  mapping = ticket.conversation
  input = {
    type       = "conversation"
    id         = "64f0c0ffee0000000000a001"
    attributes = { status = "open", priority = 5, createdAt = "2024-03-01T09:30:00.000Z" }
    relationships = {
      customer = { data = { type = "customer", id = "64f0000000000000000000c1" } }
    }
  }
  expect = { status = "open", priority = "urgent", tags = ["kustomer-import"] }
}
