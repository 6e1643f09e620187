variable "tag" {
  type    = number
  default = "not a number" # ERROR 3:13 Invalid default value
}

oops = 1 # ERROR 6:1 Unexpected attribute

tickets "conversation" { # ERROR 8:1 Unknown block type: Did you mean "ticket"?
}

user "customer" { # ERROR 11:1 Missing required argument: "name"
  from = "customer"
  nmae = "name" # ERROR 13:3 Unsupported argument: Did you mean "name"?
}

target "zendesk" {
  plan     = "enterprize" # ERROR 17:14 Unknown Zendesk plan: Did you mean "enterprise"?
  api_token = "secret"    # ERROR 18:3 Unsupported argument: Credentials and URLs come from the environment
  share    = 1.5          # ERROR 19:14 Share out of range
}

ticket "conversation" {
  status    = "'open'"
  requester = "customerId"
  split_at  = 0 # ERROR 25:15 Invalid value: positive whole number
}

ticket "conversation" { # ERROR 28:8 Duplicate mapping block
  status = "'open'"
}

module "base" {
  source = "template:defualt" # ERROR 33:12 Unknown template: Did you mean "default"?
}

test "nothing" { # ERROR 36:1 Test checks nothing
  mapping = ticket.conversation
  input   = { type = "conversation", id = "x" }
}

test "wrong_mapping" {
  mapping = ticket.conversations # ERROR 42:13 Unknown mapping: Did you mean "ticket.conversation"?
  input   = { type = "conversation", id = "x" }
  skipped = true
}
