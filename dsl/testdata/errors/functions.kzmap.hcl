ticket "conversation" {
  status    = "'open'"
  requester = "customerId"
  assignee  = "lastt(assignedUsers)" # ERROR 4:16 Unknown function: Unknown function lastt; did you mean last?
  subject   = "frobnicate(name)"     # ERROR 5:16 Unknown function: Unknown function frobnicate.
  tags      = "map(tags, uper(#))"   # ERROR 6:26 Unknown function: did you mean upper?
}
