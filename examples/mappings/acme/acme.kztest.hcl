test "snoozed_is_on_hold_at_acme" {
  mapping = ticket.conversation
  input = {
    type = "conversation"
    id   = "64f0c0ffee0000000000a001"
    attributes = {
      status        = "snoozed"
      priority      = 2
      assignedUsers = ["64f0000000000000000000u1", "64f0000000000000000000u2", "64f0000000000000000000u3"]
      tags          = ["Billing"]
      custom        = { tierStr = "enterprise" }
      createdAt     = "2024-03-01T09:30:00.000Z"
    }
    relationships = {
      customer = { data = { type = "customer", id = "64f0000000000000000000c1" } }
    }
  }
  expect = {
    status   = "hold"
    priority = "normal"
    type     = "problem"
    assignee = "64f0000000000000000000u3"
    tags     = ["billing", "acme-import"]
    custom_fields = {
      kustomer_other_assignees = "64f0000000000000000000u1,64f0000000000000000000u2"
      kustomer_conversation_id = "64f0c0ffee0000000000a001"
    }
  }
}

test "uk_phone_numbers_by_default" {
  mapping = user.customer
  input = {
    type       = "customer"
    id         = "64f0000000000000000000c9"
    attributes = { phones = [{ phone = "020 7946 0958" }] }
  }
  expect = { phone = "+442079460958" }
}
