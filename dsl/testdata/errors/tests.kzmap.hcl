ticket "conversation" {
  status    = "status"
  requester = "customerId"
}

test "typo_in_input" {
  mapping = ticket.conversation
  input = {
    type       = "conversation"
    id         = "c1"
    attributes = {
      statuss        = "open" # ERROR 12:7 Unknown input attribute: A conversation record has no attribute "statuss"; did you mean "status"?
      orderNumberStr = "1001"
      custom         = { anyNameAtAll = 1 }
    }
  }
  expect = { status = "open" }
}
