// Package snapshot is the local copy of a Kustomer organisation: every
// resource exactly as the API returned it, the extraction cursors that let
// `kzmap extract` resume and run incrementally, and the attachment bytes.
// `kzmap extract` writes it; `kzmap plan` and `kzmap audit` read it, one
// type or one conversation at a time, so memory stays flat whatever the
// size of the organisation. It is a bbolt file, snapshot.db, under the
// mapping directory's .kzmap/, and its file lock is the state lock.
//
// Bucket tree (schema version 4):
//
//	meta/
//	    schema_version  "4"
//	    lineage         random id given at creation
//	    serial          uint64, +1 on every committed change of content
//	    digest          32 bytes: XOR of sha256(type, id, raw) over every
//	                    resource (raw: its JSON, however it is stored),
//	                    and of sha256(id, File) over every file state, so
//	                    it follows content, not history
//	    org             the Kustomer org the snapshot was extracted from
//	counts/
//	    <type>          uint64: resources of the type
//	resources/
//	    <type>/         company, customer, user, team, klass, conversation,
//	                    message, note, kobject, attachment, kb_category,
//	                    kb_article, media (record.Types)
//	        <id>        the resource JSON (the `data` object), byte for
//	                    byte: as it stands (first byte '{'), or compressed,
//	                    0x01 <dictionary id: uvarint> <zstd frame>
//	children/
//	    <parent>.<child>/   conversation.message, conversation.note,
//	                        message.attachment, klass.kobject
//	        <parent id> 0x00 <createdAt: 8 bytes> <child id>
//	                    value: empty, or for conversation.message 'r' and
//	                    the attachment ids the message names, each ended
//	                    by NUL (refs.go)
//	klass_names/
//	    <name>          klass id (a kobject may name its klass by link only)
//	cursors/
//	    <stream>        Cursor (JSON): where a stream of requests stopped
//	runs/
//	    <run id>        Run (JSON), ids are 8-byte big-endian sequence numbers
//	files/
//	    <attachment id> File (JSON): state of the attachment's bytes
//	metadata/
//	    <resource>      Kustomer's custom attribute metadata of a resource
//	dicts/
//	    <id: 4 bytes>   <type> 0x00 <zstd dictionary>, trained from the
//	                    type's first records (compress.go)
//
// Attachment bytes live beside the database, content-addressed:
// .kzmap/attachments/sha256/<first 2 hex digits>/<64 hex digits>, files
// 0600. They are written to .kzmap/attachments/tmp first and renamed into
// place, so a crash leaves at worst an orphan temporary file.
//
// Every write goes through Update, one bbolt transaction: a page of
// resources and the cursor that says the page was read commit together,
// which is what makes an extraction killed at any moment resumable.
package snapshot
