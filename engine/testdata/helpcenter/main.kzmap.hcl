# The default template as a customer directory uses it: it carries the
# knowledge base (its module kb, the helpcenter template) beside the rest.
module "base" {
  source = "template:default"
}
