# The knowledge base alone: the Help Center template and nothing else.
module "kb" {
  source = "template:helpcenter"
}
