locals {
  status = { open = "open" }
}

ticket "conversation" {
  status    = "local.status[statsu] ?? 'open'" # ERROR 6:29 Unknown name in expression: Did you mean "status"?
  requester = "customerId"
  tags = <<-EXPR
    concat(
      tags,
      priorty
    )
  EXPR
  # ERROR 11:7 Unknown name in expression: Did you mean "priority"?
  priority = "priority"       # ERROR 15:14 Wrong result type: Wrap it in string(...)
  subject  = "now()"          # ERROR 16:15 Function not allowed in mappings: reads the clock
  type     = "local.statuss"  # ERROR 17:21 Unknown local value: Did you mean "status"?
  group    = "snooze.tim"     # ERROR 18:22 Unknown field in expression: Did you mean "time"?
  assignee = "len(tags) +"    # ERROR 19:25 Expression syntax error: Unexpected token EOF
  external_id = 42            # ERROR 20:17 Expression must be a string: "42"
}

comment "message" {
  from       = "messages" # ERROR 24:16 Unsupported source type: Did you mean "message"?
  public     = "true"
  created_at = "createdAt"
}
