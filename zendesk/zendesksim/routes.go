package zendesksim

import "net/http"

// routes lists every endpoint the simulator serves. Anything else is 404
// InvalidEndpoint, as Zendesk answers a wrong path.
func (s *Server) routes() {
	h := func(pattern string, f handlerFunc) { s.mux.Handle(pattern, s.handle(f)) }

	h("GET /api/v2/organizations", s.listOrgs)
	h("POST /api/v2/organizations", s.createOrg)
	h("GET /api/v2/organizations/{id}", s.showOrg)
	h("POST /api/v2/organizations/create_many", s.createManyOrgs)
	h("POST /api/v2/organizations/create_or_update", s.createOrUpdateOrg)
	h("GET /api/v2/organizations/show_many", s.showManyOrgs)
	h("GET /api/v2/organizations/search", s.searchOrgs)
	h("GET /api/v2/organizations/count", s.countOrgs)

	h("GET /api/v2/users", s.listUsers)
	h("POST /api/v2/users", s.createUser)
	h("GET /api/v2/users/me", s.me)
	h("GET /api/v2/users/{id}", s.showUser)
	h("POST /api/v2/users/create_many", s.bulkUsers(false))
	h("POST /api/v2/users/create_or_update", s.createOrUpdateUser)
	h("POST /api/v2/users/create_or_update_many", s.bulkUsers(true))
	h("GET /api/v2/users/show_many", s.showManyUsers)
	h("GET /api/v2/users/search", s.searchUsers)
	h("GET /api/v2/users/count", s.countUsers)
	h("GET /api/v2/users/{id}/identities", s.listIdentities)
	h("POST /api/v2/users/{id}/identities", s.createIdentity)

	h("GET /api/v2/groups", s.listGroups)
	h("POST /api/v2/groups", s.createGroup)
	h("GET /api/v2/groups/{id}", s.showGroup)
	h("PUT /api/v2/groups/{id}", s.updateGroup)
	h("GET /api/v2/groups/{id}/memberships", s.listMemberships)
	h("GET /api/v2/group_memberships", s.listMemberships)
	h("POST /api/v2/group_memberships", s.createMembership)
	h("POST /api/v2/group_memberships/create_many", s.createManyMemberships)

	s.fieldRoutes(h)

	s.mux.HandleFunc("POST /api/v2/uploads", s.serveUpload)
	h("DELETE /api/v2/uploads/{token}", s.deleteUpload)

	h("POST /api/v2/imports/tickets", s.importTicket)
	h("POST /api/v2/imports/tickets/create_many", s.importTickets)
	h("GET /api/v2/tickets", s.listTickets)
	h("POST /api/v2/tickets", s.createTicket)
	h("GET /api/v2/tickets/show_many", s.showManyTickets)
	h("DELETE /api/v2/tickets/destroy_many", s.destroyTickets)
	h("GET /api/v2/tickets/{id}", s.showTicket)
	h("PUT /api/v2/tickets/{id}", s.updateTicket)
	h("DELETE /api/v2/tickets/{id}", s.destroyTicket)
	h("GET /api/v2/tickets/{id}/comments", s.listComments)
	h("GET /api/v2/tickets/count", s.countTickets)
	h("GET /api/v2/search", s.search)
	h("GET /api/v2/incremental/tickets/cursor", s.incrementalTickets)
	h("GET /api/v2/deleted_tickets", s.listDeletedTickets)
	h("PUT /api/v2/deleted_tickets/restore_many", s.restoreManyDeleted)
	h("DELETE /api/v2/deleted_tickets/destroy_many", s.purgeManyDeleted)
	h("PUT /api/v2/deleted_tickets/{id}/restore", s.restoreDeleted)
	h("DELETE /api/v2/deleted_tickets/{id}", s.purgeDeleted)

	h("GET /api/v2/job_statuses", s.listJobs)
	h("GET /api/v2/job_statuses/show_many", s.showManyJobs)
	h("GET /api/v2/job_statuses/{id}", s.showJob)

	h("GET /api/v2/custom_objects", s.listObjects)
	h("POST /api/v2/custom_objects", s.createObject)
	h("GET /api/v2/custom_objects/limits/object_limit", s.objectLimit)
	h("GET /api/v2/custom_objects/{key}", s.showObject)
	h("PATCH /api/v2/custom_objects/{key}", s.updateObject)
	h("GET /api/v2/custom_objects/{key}/limits/field_limit", s.fieldLimit)
	h("GET /api/v2/custom_objects/{key}/fields", s.listFields)
	h("POST /api/v2/custom_objects/{key}/fields", s.createField)
	h("GET /api/v2/custom_objects/{key}/records", s.listRecords)
	h("POST /api/v2/custom_objects/{key}/records", s.createRecord)
	h("PATCH /api/v2/custom_objects/{key}/records", s.upsertRecord)
	h("GET /api/v2/custom_objects/{key}/records/{id}", s.showRecord)
	h("DELETE /api/v2/custom_objects/{key}/records/{id}", s.deleteRecord)
	h("POST /api/v2/custom_objects/{key}/jobs", s.recordJob)

	s.helpCenterRoutes(h)

	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError("InvalidEndpoint", "Not found"))
	})
}
