ticket "conversation" {
  status    = "local.status[statsu] ?? 'open'"
  requester = "customerId"
  tags      = "local.tagz"
}

locals {
  status = {}
  tags   = ["a"]
}
