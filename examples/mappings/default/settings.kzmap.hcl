# The default Kustomer → Zendesk mapping: the guide's whole mapping table.
# Customer directories reuse it as a module (source = "template:default")
# and override only what differs.

variable "marker_tag" {
  type        = string
  default     = "kustomer-import"
  description = "Tag carried by every imported ticket, for search and rollback."
}

variable "default_country" {
  type        = string
  default     = "1"
  description = "Calling code for phone numbers written without one (1 = North America)."
}

variable "split_at" {
  type        = number
  default     = 4000
  description = "Comments per ticket before a conversation is split (Zendesk's cap is 5,000)."
}

source "kustomer" {
  share        = 0.8
  search_share = 0.8
}

target "zendesk" {
  plan       = "professional"
  share      = 0.8
  marker_tag = var.marker_tag
}

locals {
  # Kustomer custom attribute suffix → Zendesk field type (fields.kzmap.hcl).
  field_types = {
    Str  = "text"
    Txt  = "textarea"
    Num  = "decimal"
    At   = "date"
    Bool = "checkbox"
    Url  = "text"
    Id   = "text"
  }

  # Kustomer conversation status → Zendesk ticket status.
  status = {
    open    = "open"
    snoozed = "pending"
    done    = "solved"
  }

  # Kustomer priority 1–5 → Zendesk priority.
  priority = {
    "1" = "low"
    "2" = "normal"
    "3" = "normal"
    "4" = "high"
    "5" = "urgent"
  }

  # Kustomer channel → the tag that records it (Zendesk sets `via` itself
  # on imported tickets, so the source channel is kept as a tag).
  channel = {
    email           = "email"
    chat            = "chat"
    sms             = "sms"
    voice           = "voice"
    facebook        = "facebook"
    instagram       = "instagram"
    whatsapp        = "whatsapp"
    "twitter-dm"    = "twitter"
    "twitter-tweet" = "twitter"
  }
}
