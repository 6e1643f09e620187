# Conversation → ticket through the Ticket Import API (rules 8–11, 15).
ticket "conversation" {
  from     = "conversation"
  split_at = var.split_at

  subject  = "trim(name) != '' ? name : 'Conversation ' + id"
  status   = "lookup(local.status, status, 'open')"
  priority = "lookup(local.priority, priority, 'normal')"

  requester = "customerId"
  # Several assignees: the most recent one is the assignee, the others are
  # kept as tags (rule 10).
  assignee = "last(assignedUsers)"
  group    = "last(assignedTeams)"

  tags = <<-EXPR
    uniq(concat(
      slug_all(tags),
      map(but_last(assignedUsers), 'kz_also_assigned_' + #),
      map(channels, 'kz_channel_' + lookup(local.channel, #, 'other')),
      [var.marker_tag]
    ))
  EXPR

  external_id = "'kustomer:conversation:' + id"
  # Custom attributes, each to the ticket_field made from it (fields.kzmap.hcl).
  custom_fields = "custom"
  created_at    = "createdAt"
  updated_at    = "updatedAt"
  solved_at     = "status == 'done' ? coalesce(endedAt, updatedAt) : nil"
}

# Message → comment: inbound messages are public and authored by the
# customer, outbound ones by the agent who sent them.
comment "message" {
  from        = "message"
  body        = "body"
  html_body   = "htmlBody"
  public      = "true"
  author      = "direction == 'in' ? customerId : createdById"
  created_at  = "createdAt"
  attachments = "map(attachments, #.id)"
  long_body   = "split"
}

# Note → private comment.
comment "note" {
  from       = "note"
  body       = "body"
  public     = "false"
  author     = "createdById"
  created_at = "createdAt"
}
