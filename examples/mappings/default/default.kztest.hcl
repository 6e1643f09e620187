test "snoozed_conversation_is_pending_with_extra_assignees_as_tags" {
  mapping = ticket.conversation
  input = {
    type = "conversation"
    id   = "64f0c0ffee0000000000a001"
    attributes = {
      name          = "Refund for order 1001"
      status        = "snoozed"
      priority      = 4
      assignedUsers = ["64f0000000000000000000u1", "64f0000000000000000000u2"]
      assignedTeams = ["64f0000000000000000000t1"]
      tags          = ["VIP Customer", "refund"]
      channels      = ["email"]
      createdAt     = "2024-03-01T09:30:00.000Z"
      updatedAt     = "2024-03-02T10:00:00.000Z"
    }
    relationships = {
      customer = { data = { type = "customer", id = "64f0000000000000000000c1" } }
    }
  }
  expect = {
    subject     = "Refund for order 1001"
    status      = "pending"
    priority    = "high"
    requester   = "64f0000000000000000000c1"
    assignee    = "64f0000000000000000000u2"
    group       = "64f0000000000000000000t1"
    tags        = ["vip_customer", "refund", "kz_also_assigned_64f0000000000000000000u1", "kz_channel_email", "kustomer-import"]
    external_id = "kustomer:conversation:64f0c0ffee0000000000a001"
    created_at  = "2024-03-01T09:30:00Z"
    updated_at  = "2024-03-02T10:00:00Z"
  }
}

test "done_conversation_is_solved_and_unknown_priority_is_normal" {
  mapping = ticket.conversation
  input = {
    type = "conversation"
    id   = "64f0c0ffee0000000000a002"
    attributes = {
      status    = "done"
      priority  = 9
      createdAt = "2024-03-01T09:30:00.000Z"
      updatedAt = "2024-03-02T10:00:00.000Z"
      endedAt   = "2024-03-02T09:00:00.000Z"
    }
    relationships = {
      customer = { data = { type = "customer", id = "64f0000000000000000000c1" } }
    }
  }
  expect = {
    subject   = "Conversation 64f0c0ffee0000000000a002"
    status    = "solved"
    priority  = "normal"
    solved_at = "2024-03-02T09:00:00Z"
    tags      = ["kustomer-import"]
  }
  assert = [
    "out.assignee == nil",
    "!('group' in out)",
  ]
}

test "customer_emails_flattened" {
  mapping = user.customer
  input = {
    type = "customer"
    id   = "64f0000000000000000000c1"
    attributes = {
      name        = "Ana Lima"
      displayName = " Ana Lima "
      emails = [
        { email = " Ana@Example.com ", type = "home" },
        { email = "ana@example.com", type = "work" },
        { email = "ana.lima@work.example", type = "work" },
      ]
      phones = [{ phone = "(415) 555-0100", type = "mobile" }]
      tags   = ["Gold Tier"]
    }
    relationships = {
      company = { data = { type = "company", id = "64f00000000000000000co01" } }
    }
  }
  expect = {
    name         = "Ana Lima"
    email        = "ana@example.com"
    merge_by     = "ana@example.com"
    identities   = ["ana.lima@work.example", "+14155550100"]
    external_id  = "kustomer:customer:64f0000000000000000000c1"
    role         = "end-user"
    organization = "64f00000000000000000co01"
    tags         = ["gold_tier"]
  }
}

test "customer_with_only_a_phone_still_gets_a_user" {
  mapping = user.customer
  input = {
    type       = "customer"
    id         = "64f0000000000000000000c2"
    attributes = { phones = [{ phone = "+44 20 7946 0958" }, { phone = "415-555-0101" }] }
  }
  expect = {
    name       = "+442079460958"
    phone      = "+442079460958"
    identities = ["+14155550101"]
  }
  assert = ["!('email' in out)", "!('merge_by' in out)"]
}

test "machine_users_are_not_agents" {
  mapping = user.agent
  input = {
    type       = "user"
    id         = "64f0000000000000000000b1"
    attributes = { name = "Routing bot", email = "bot@acme.example", userType = "machine" }
  }
  skipped = true
}

test "agent" {
  mapping = user.agent
  input = {
    type       = "user"
    id         = "64f0000000000000000000u1"
    attributes = { name = "Sam Agent", email = "Sam@Acme.example", userType = "user" }
  }
  expect = { name = "Sam Agent", email = "sam@acme.example", role = "agent", external_id = "kustomer:user:64f0000000000000000000u1" }
}

test "team_members_become_memberships" {
  mapping = group_membership.team
  input = {
    type       = "team"
    id         = "64f0000000000000000000t1"
    attributes = { name = "Billing", members = ["64f0000000000000000000u1", "64f0000000000000000000u2"] }
  }
  expect = [
    { user = "64f0000000000000000000u1", group = "64f0000000000000000000t1" },
    { user = "64f0000000000000000000u2", group = "64f0000000000000000000t1" },
  ]
}

test "inbound_message_is_public_and_authored_by_the_customer" {
  mapping = comment.message
  input = {
    type = "message"
    id   = "64f0000000000000000000m1"
    attributes = {
      direction   = "in"
      channel     = "email"
      body        = "My order never arrived."
      htmlBody    = "<p>My order never arrived.</p>"
      createdAt   = "2024-03-01T09:30:00.000Z"
      attachments = [{ id = "64f0000000000000000000a1", name = "receipt.pdf", contentType = "application/pdf", contentLength = 2048 }]
    }
    relationships = {
      customer  = { data = { type = "customer", id = "64f0000000000000000000c1" } }
      createdBy = { data = { type = "user", id = "64f0000000000000000000u1" } }
    }
  }
  expect = {
    body        = "My order never arrived."
    html_body   = "<p>My order never arrived.</p>"
    public      = true
    author      = "64f0000000000000000000c1"
    created_at  = "2024-03-01T09:30:00Z"
    attachments = ["64f0000000000000000000a1"]
  }
}

test "outbound_message_is_authored_by_the_agent" {
  mapping = comment.message
  input = {
    type       = "message"
    id         = "64f0000000000000000000m2"
    attributes = { direction = "out", body = "We are on it.", createdAt = "2024-03-01T10:00:00.000Z" }
    relationships = {
      customer  = { data = { type = "customer", id = "64f0000000000000000000c1" } }
      createdBy = { data = { type = "user", id = "64f0000000000000000000u1" } }
    }
  }
  expect = { author = "64f0000000000000000000u1", public = true }
}

test "note_is_private" {
  mapping = comment.note
  input = {
    type       = "note"
    id         = "64f0000000000000000000n1"
    attributes = { body = "Customer called twice.", createdAt = "2024-03-01T11:00:00.000Z" }
    relationships = {
      createdBy = { data = { type = "user", id = "64f0000000000000000000u1" } }
    }
  }
  expect = { body = "Customer called twice.", public = false, author = "64f0000000000000000000u1" }
}

test "company" {
  mapping = organization.company
  input = {
    type       = "company"
    id         = "64f00000000000000000co01"
    attributes = { name = " Acme Corp ", domains = ["Acme.example"], tags = ["Key Account"] }
  }
  expect = {
    name         = "Acme Corp"
    merge_by     = "Acme Corp"
    external_id  = "kustomer:company:64f00000000000000000co01"
    domain_names = ["acme.example"]
    tags         = ["key_account"]
  }
}

test "disabled_klass_still_becomes_an_object" {
  mapping = custom_object.klass
  input = {
    type       = "klass"
    id         = "64f00000000000000000k001"
    attributes = { name = "ecomm-order", displayName = "Order", status = "disabled" }
  }
  expect = {
    key         = "ecomm_order"
    title       = "Order"
    description = "Kustomer Klass ecomm-order (disabled in Kustomer)"
  }
}

test "kobject_record" {
  mapping = custom_object_record.kobject
  input = {
    type       = "kobject"
    id         = "64f00000000000000000ko01"
    attributes = { title = "Order 1001", custom = { totalNum = 42.5, skuStr = "SKU-1" } }
    relationships = {
      klass    = { data = { type = "klass", id = "64f00000000000000000k001" }, links = { self = "/v1/klasses/ecomm-order" } }
      customer = { data = { type = "customer", id = "64f0000000000000000000c1" } }
    }
  }
  expect = {
    object = "ecomm_order"
    name   = "Order 1001"
    fields = { totalNum = 42.5, skuStr = "SKU-1" }
    user   = "64f0000000000000000000c1"
  }
}

test "few_repeated_values_become_a_dropdown_ticket_field" {
  mapping = ticket_field.conversation
  input = {
    type = "conversation_attribute"
    id   = "conversation/contactReasonStr"
    attributes = {
      name    = "contactReasonStr", type = "string", displayName = "Contact Reason",
      records = 74, distinct = 3, values = ["billing", "refund", "shipping"], longest = 8, fits_dropdown = true
    }
  }
  expect = {
    key         = "kz_contact_reason"
    type        = "tagger"
    title       = "Contact Reason"
    description = "Kustomer conversation attribute contactReasonStr"
    options     = ["billing", "refund", "shipping"]
  }
}

test "free_text_stays_text" {
  mapping = ticket_field.conversation
  input = {
    type       = "conversation_attribute"
    id         = "conversation/orderNumberStr"
    attributes = { name = "orderNumberStr", type = "string", displayName = "Order Number", records = 25, distinct = 25, longest = 7 }
  }
  expect = {
    key         = "kz_order_number"
    type        = "text"
    title       = "Order Number"
    description = "Kustomer conversation attribute orderNumberStr"
    options     = []
  }
}

test "whole_numbers_become_an_integer_user_field" {
  mapping = user_field.customer
  input = {
    type       = "customer_attribute"
    id         = "customer/pointsNum"
    attributes = { name = "pointsNum", type = "number", displayName = "Points", records = 10, distinct = 10, integral = true }
  }
  expect = {
    key         = "kz_points"
    type        = "integer"
    title       = "Points"
    description = "Kustomer customer attribute pointsNum"
    options     = []
  }
}

test "a_timestamp_becomes_a_date_organization_field" {
  mapping = organization_field.company
  input = {
    type       = "company_attribute"
    id         = "company/contractRenewalAt"
    attributes = { name = "contractRenewalAt", type = "date", displayName = "Contract Renewal", records = 6, distinct = 6 }
  }
  expect = {
    key         = "kz_contract_renewal"
    type        = "date"
    title       = "Contract Renewal"
    description = "Kustomer company attribute contractRenewalAt"
    options     = []
  }
}
