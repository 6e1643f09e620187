// Package checkpoint is the store of what kzmap has written to Zendesk:
// for every target record its Zendesk id, the hash of the payload last
// applied, the batch and run that wrote it; the batches in flight (recorded
// before they are sent, so a crash can be resolved by asking Zendesk); dead
// letters; and run history. It is a bbolt file, checkpoint.db, under the
// mapping directory's .kzmap/, and its file lock is the state lock.
//
// Bucket tree (schema version 1):
//
//	meta/
//	    schema_version  "1"
//	    lineage         random id given at creation; plans carry it
//	    serial          uint64, +1 on every committed change; plans carry it
//	records/
//	    <kind>/         organization, user, group, group_membership,
//	                    custom_object, ticket, custom_object_record
//	        <key>       Entry (JSON): zendesk_id, hash, batch, run, at, ...
//	aliases/
//	    <source type>/
//	        <source id> "<kind>\x00<key>": the record a source id became
//	                    (several customers merged into one user)
//	inflight/
//	    <batch id>      Batch (JSON), written before the request is sent
//	batches/
//	    <batch id>      Batch (JSON) once confirmed, with what it created
//	dead/
//	    <kind>/
//	        <key>       DeadLetter (JSON): Zendesk's error, attempts
//	runs/
//	    <run id>        Run (JSON)
package checkpoint
