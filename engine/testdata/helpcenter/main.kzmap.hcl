# The default template, and the knowledge base moved to the Help Center
# beside it (helpcenter.kzmap.hcl): the blocks the engine plans today.
# Apply does not write the Help Center yet, so the default template does
# not carry them.
module "base" {
  source = "template:default"
}
