// Package modsrc fetches mapping modules whose source is a git repository
// and pins them with a lock file, so every machine and every run uses
// the same template files.
//
// A module block may name a git source in Terraform's form:
//
//	module "base" {
//	  source = "git::https://github.com/acme/kzmap-templates.git//default?ref=v1"
//	}
//
// ParseGit recognises such a source (see GitSource for the forms of URL).
// The flow around it is:
//
//  1. kzmap init visits every git module, nested ones too (addressed
//     "base", "base.kb", ...). When kzmap.lock.hcl has an entry for the
//     address with the same source, FetchCommit fetches the locked
//     commit, so a fresh clone of a customer directory gets exactly what
//     was tested. Otherwise (a new module, or a source whose URL,
//     subdirectory or ref was changed) Fetch resolves the ref to a commit
//     and fetches that. Either way the files land in Dir(root, address),
//     <root>/.kzmap/modules/<address>, replaced atomically. init records
//     the commit and the HashDir of the copy with Lock.Set, drops the
//     entries of modules no longer used with Lock.Remove, and writes the
//     lock with Lock.Write. The lock is meant to be committed with the
//     mapping directory; .kzmap/ is not.
//  2. Every other command (validate, plan, apply, ...) never touches the
//     network: it reads the lock with ReadLock and, for each git module,
//     calls Lock.Check, which checks that the entry is for the source as
//     written, that the copy is there and that its hash is the locked one
//     (Verify), and returns the directory to load the module from. A
//     missing entry or copy, a changed source, or a copy edited by hand is
//     an error telling the user to run kzmap init.
//
// Resolve answers "which commit would Fetch use now" without copying
// anything (git ls-remote), for commands that report outdated modules.
//
// git itself does the fetching: the user's own git binary, run with the
// user's environment, so SSH agents, credential helpers and insteadOf
// rewrites work as they do on the command line. GIT_TERMINAL_PROMPT=0 is
// set so that a missing credential fails instead of waiting for input,
// and the variables that point git at another repository (GIT_DIR,
// GIT_WORK_TREE, ...) are removed. Credentials never appear in a source
// (it is committed): ParseGit refuses URLs that carry a password, or an
// https user name (a token).
//
// Files are read from git's object database (git ls-tree, git cat-file),
// not from a checkout, so the user's line-ending and filter settings
// cannot change the bytes, and the hash of a copy is the same everywhere.
// Symbolic links and submodules in a module are refused.
package modsrc
