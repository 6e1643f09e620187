# The default template with the knowledge base moved to the Help Center
# beside it.
module "base" {
  source = "template:default"
}

module "kb" {
  source = "template:helpcenter"
}
