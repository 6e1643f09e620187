# The knowledge base moves to the Help Center: the helpcenter template's
# blocks (categories and sections from Kustomer's tree, folded to Help
# Center's two levels; an article per Kustomer article, a translation per
# language version; images re-hosted, links rewritten, dates kept in a
# last line). Its settings are this template's variables, so a directory
# using this template sets them on its own module block.

variable "hc_locale" {
  type        = string
  default     = "en-us"
  description = "The Help Center's default locale: categories and sections are created in it."
}

variable "hc_permission_group" {
  type        = string
  default     = "Admins"
  description = "The Guide permission group that may edit migrated articles."
}

variable "hc_internal_segment" {
  type        = string
  default     = "Agents and admins"
  description = "The user segment that may read Kustomer's internal articles (public ones: everyone)."
}

module "kb" {
  source              = "template:helpcenter"
  hc_locale           = var.hc_locale
  hc_permission_group = var.hc_permission_group
  hc_internal_segment = var.hc_internal_segment
}
