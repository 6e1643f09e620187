state {
  backend   = "postgres" # ERROR 2:15 Unknown state backend: Did you mean "pg"?
  workspace = "Acme Corp" # ERROR 3:15 Invalid workspace name: lower-case letters
  url       = "postgres://u:p@db/kz" # ERROR 4:3 Unsupported argument: comes from KZMAP_PG_URL
}

state { # ERROR 7:1 Duplicate state block
  backend = var.backend # ERROR 8:13 Invalid state setting: plain string
}
