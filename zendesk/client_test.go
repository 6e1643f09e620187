package zendesk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kzmap/kzmap/simkit"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

func TestCreateManyUsersResultsByIndex(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	first := e.users(User{Name: "Ann", Email: "ann@example.test", ExternalID: "kustomer:ann"})

	// The second item takes Ann's email: it fails alone, with Zendesk's
	// message, and the others land.
	o := e.wait(e.c.CreateManyUsers(ctx(t), []User{
		{Name: "Bob", Email: "bob@example.test", ExternalID: "kustomer:bob"},
		{Name: "Ann again", Email: "ann@example.test"},
		{Name: "Cid", Email: "cid@example.test", Identities: []Identity{{Type: "phone_number", Value: "+15551234567"}}},
	}))
	if o.Status.Status != "completed" {
		t.Fatalf("job status = %q", o.Status.Status)
	}
	for i, r := range o.Results {
		if r.Index != i {
			t.Errorf("result %d has index %d", i, r.Index)
		}
	}
	if !o.Results[0].Success || !o.Results[2].Success {
		t.Fatalf("results = %+v", o.Results)
	}
	bad := o.Results[1]
	want := JobResult{Index: 1, Action: "create", Error: "DuplicateValue", Details: "Email: ann@example.test is already being used by another user"}
	if diff := cmp.Diff(want, bad); diff != "" {
		t.Errorf("failed item (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]JobResult{bad}, o.Failed()); diff != "" {
		t.Errorf("Failed() (-want +got):\n%s", diff)
	}

	// The ids match the records Zendesk holds, by index.
	bobID, _ := o.Results[0].IntID()
	cidID, _ := o.Results[2].IntID()
	got, err := e.c.ShowManyUsers(ctx(t), []int64{first[0], bobID, cidID})
	if err != nil {
		t.Fatal(err)
	}
	names := map[int64]string{}
	for _, u := range got {
		names[u.ID] = u.Name + " <" + u.Email + ">"
	}
	wantNames := map[int64]string{first[0]: "Ann <ann@example.test>", bobID: "Bob <bob@example.test>", cidID: "Cid <cid@example.test>"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("users by id (-want +got):\n%s", diff)
	}
	byExt, err := e.c.ShowManyUsersByExternalID(ctx(t), []string{"KUSTOMER:BOB", "kustomer:nobody"})
	if err != nil || len(byExt) != 1 || byExt[0].ID != bobID {
		t.Errorf("by external id = %+v, %v", byExt, err)
	}
	found, err := e.c.SearchUsersByEmail(ctx(t), "cid@example.test")
	if err != nil || len(found) != 1 || found[0].ID != cidID {
		t.Errorf("search by email = %+v, %v", found, err)
	}
	found, err = e.c.SearchUsersByExternalID(ctx(t), "kustomer:ann")
	if err != nil || len(found) != 1 || found[0].ID != first[0] {
		t.Errorf("search by external id = %+v, %v", found, err)
	}
}

func TestCreateOrUpdateManyUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	ids := e.users(User{Name: "Ann", Email: "ann@example.test"})
	o := e.wait(e.c.CreateOrUpdateManyUsers(ctx(t), []User{
		{Name: "Ann Updated", Email: "ann@example.test"},
		{Name: "Dee", Email: "dee@example.test"},
	}))
	got := []string{o.Results[0].Status, o.Results[1].Status}
	if diff := cmp.Diff([]string{"Updated", "Created"}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s\n%+v", diff, o.Results)
	}
	if id, _ := o.Results[0].IntID(); id != ids[0] {
		t.Errorf("update matched user %d, want %d", id, ids[0])
	}
	u, created, err := e.c.CreateOrUpdateUser(ctx(t), User{Name: "Eve", Email: "eve@example.test"})
	if err != nil || !created || u.ID == 0 {
		t.Fatalf("CreateOrUpdateUser = %+v, %v, %v", u, created, err)
	}
}

func TestRecordInvalidReachesTheCaller(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	ids := e.users(User{Name: "Ann", Email: "ann@example.test"})
	_, err := e.c.CreateIdentity(ctx(t), ids[0], Identity{Type: "phone_number", Value: "555-1234"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want an *APIError", err)
	}
	want := &APIError{
		Method: "POST", Path: fmt.Sprintf("/api/v2/users/%d/identities", ids[0]), Status: 422,
		Code: "RecordInvalid", Description: "Record validation errors",
		Details: map[string][]ErrorDetail{"value": {{Code: "InvalidFormat", Description: "Value: 555-1234 is not in E.164 format"}}},
	}
	if diff := cmp.Diff(want, apiErr); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if !errors.Is(err, ErrRecordInvalid) || errors.Is(err, ErrMaybeSent) {
		t.Errorf("errors.Is: RecordInvalid %v, MaybeSent %v", errors.Is(err, ErrRecordInvalid), errors.Is(err, ErrMaybeSent))
	}
	if !strings.Contains(err.Error(), "value: Value: 555-1234 is not in E.164 format") {
		t.Errorf("message %q does not say what to fix", err)
	}
	id, err := e.c.CreateIdentity(ctx(t), ids[0], Identity{Type: "email", Value: "ann2@example.test"})
	if err != nil || id.UserID != ids[0] || id.Value != "ann2@example.test" {
		t.Errorf("CreateIdentity = %+v, %v", id, err)
	}

	_, err = e.c.ShowTicket(ctx(t), 999999)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("missing ticket: %v, want ErrNotFound", err)
	}
}

func TestOrganizations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	o := e.wait(e.c.CreateManyOrganizations(ctx(t), []Organization{
		{Name: "Acme", ExternalID: "kustomer:c1", Tags: []string{"vip"}},
		{Name: "Acme", ExternalID: "kustomer:c2"},
	}))
	if !o.Results[0].Success || o.Results[1].Success || o.Results[1].Details != "Name: has already been taken" {
		t.Fatalf("results = %+v", o.Results)
	}
	acme, _ := o.Results[0].IntID()
	got, err := e.c.SearchOrganizationsByExternalID(ctx(t), "KUSTOMER:C1")
	if err != nil || len(got) != 1 || got[0].ID != acme || got[0].Name != "Acme" {
		t.Errorf("search = %+v, %v", got, err)
	}
	got, err = e.c.ShowManyOrganizationsByExternalID(ctx(t), []string{"kustomer:c1", "kustomer:c2"})
	if err != nil || len(got) != 1 {
		t.Errorf("show_many by external id = %+v, %v", got, err)
	}
	org, created, err := e.c.CreateOrUpdateOrganization(ctx(t), Organization{Name: "Acme Inc", ExternalID: "kustomer:c1"})
	if err != nil || created || org.ID != acme || org.Name != "Acme Inc" {
		t.Errorf("CreateOrUpdateOrganization = %+v, %v, %v", org, created, err)
	}
	got, err = e.c.ShowManyOrganizations(ctx(t), []int64{acme})
	if err != nil || len(got) != 1 || got[0].Name != "Acme Inc" {
		t.Errorf("show_many = %+v, %v", got, err)
	}
}

func TestGroupsAndMemberships(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	ids := e.users(User{Name: "Agent", Email: "agent@example.test", Role: "agent"}, User{Name: "Customer", Email: "c@example.test"})
	g, err := e.c.CreateGroup(ctx(t), Group{Name: "Support"})
	if err != nil || g.ID == 0 {
		t.Fatalf("CreateGroup = %+v, %v", g, err)
	}
	o := e.wait(e.c.CreateManyGroupMemberships(ctx(t), []GroupMembership{
		{UserID: ids[0], GroupID: g.ID}, {UserID: ids[1], GroupID: g.ID},
	}))
	if !o.Results[0].Success || o.Results[1].Success || o.Results[1].Details != "User: is not an agent" {
		t.Errorf("results = %+v", o.Results)
	}
	ms, err := e.c.ListGroupMemberships(ctx(t))
	if err != nil || len(ms) != 1 || ms[0].UserID != ids[0] {
		t.Errorf("memberships = %+v, %v", ms, err)
	}
	groups, err := e.c.ListGroups(ctx(t))
	if err != nil || !slices.ContainsFunc(groups, func(x Group) bool { return x.ID == g.ID }) {
		t.Errorf("groups = %+v, %v", groups, err)
	}
}

func TestUploadThenImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	ids := e.users(User{Name: "Agent", Email: "agent@example.test", Role: "agent"}, User{Name: "Customer", Email: "c@example.test"})
	agent, customer := ids[0], ids[1]
	content := bytes.Repeat([]byte("kzmap "), 2000)
	up, err := e.c.Upload(ctx(t), UploadFile{Name: "notes.txt", ContentType: "text/plain", Body: bytes.NewReader(content), Size: int64(len(content))})
	if err != nil {
		t.Fatal(err)
	}
	if up.Token == "" || up.Attachment.FileName != "notes.txt" || up.Attachment.Size != int64(len(content)) {
		t.Fatalf("upload = %+v", up)
	}
	// A second file of unknown size joins the same upload.
	up2, err := e.c.Upload(ctx(t), UploadFile{Name: "more.txt", Body: strings.NewReader("more"), Size: -1, Token: up.Token})
	if err != nil || up2.Token != up.Token || len(up2.Attachments) != 2 {
		t.Fatalf("second file = %+v, %v", up2, err)
	}

	created := time.Date(2021, 5, 4, 3, 2, 1, 0, time.UTC)
	o := e.wait(e.c.ImportTickets(ctx(t), []TicketImport{{
		ExternalID: "kustomer:conv1", Subject: "Broken", Status: "closed", RequesterID: customer, AssigneeID: agent,
		Tags: []string{"kustomer-import"}, CreatedAt: created, UpdatedAt: created.Add(time.Hour),
		Comments: []Comment{
			{AuthorID: customer, Body: "It broke", CreatedAt: created, Uploads: []string{up.Token}},
			{AuthorID: agent, Body: "Looking", Public: ptr(false), CreatedAt: created.Add(time.Minute)},
		},
	}}, ImportOptions{ArchiveImmediately: true}))
	if !o.Results[0].Success {
		t.Fatalf("import = %+v", o.Results)
	}
	id, _ := o.Results[0].IntID()
	st := e.sim.Dump()
	i := slices.IndexFunc(st.Tickets, func(x zendesksim.TicketState) bool { return x.ID == id })
	if i < 0 {
		t.Fatalf("ticket %d not in the account", id)
	}
	tk := st.Tickets[i]
	if !tk.Archived || len(tk.Comments) != 2 || len(tk.Comments[0].Attachments) != 2 || tk.Comments[1].Public || !tk.CreatedAt.Equal(created) {
		t.Errorf("imported ticket = archived %v, comments %+v, created %v", tk.Archived, tk.Comments, tk.CreatedAt)
	}
	// The token is spent: a second import naming it fails, item by item.
	o = e.wait(e.c.ImportTickets(ctx(t), []TicketImport{{RequesterID: customer, Comments: []Comment{{Body: "again", Uploads: []string{up.Token}}}}}, ImportOptions{}))
	if o.Results[0].Success || !strings.Contains(o.Results[0].Details, "has already been used") {
		t.Errorf("reused token = %+v", o.Results[0])
	}

	single, err := e.c.ImportTicket(ctx(t), TicketImport{Subject: "One", RequesterID: customer, Comments: []Comment{{Body: "hi"}}}, ImportOptions{})
	if err != nil || single.ID == 0 || single.Description != "hi" {
		t.Errorf("ImportTicket = %+v, %v", single, err)
	}
}

func TestUploadTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, func(c *Config) { c.MaxUploadSize = 1000 })
	before := settledTotal(e.sim)
	_, err := e.c.Upload(ctx(t), UploadFile{Name: "big.bin", Body: bytes.NewReader(make([]byte, 1001)), Size: 1001})
	if !errors.Is(err, ErrUploadTooLarge) {
		t.Fatalf("err = %v, want ErrUploadTooLarge", err)
	}
	if got := settledTotal(e.sim); got != before {
		t.Errorf("%d requests sent for a file over the limit", got-before)
	}
	// Of unknown size: it stops while being sent.
	_, err = e.c.Upload(ctx(t), UploadFile{Name: "big.bin", Body: io.MultiReader(bytes.NewReader(make([]byte, 5000))), Size: -1})
	if !errors.Is(err, ErrUploadTooLarge) {
		t.Fatalf("unknown size: err = %v, want ErrUploadTooLarge", err)
	}
	if n := len(e.sim.Dump().Uploads); n != 0 {
		t.Errorf("%d uploads stored", n)
	}
}

func TestTicketsReadBackAndUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	ids := e.users(User{Name: "Customer", Email: "c@example.test"})
	var batch []TicketImport
	for i := range 5 {
		batch = append(batch, TicketImport{ExternalID: "kustomer:conv", Subject: fmt.Sprint("T", i), RequesterID: ids[0],
			Tags: []string{"kustomer-import", fmt.Sprint("kzbatch-", i%2)}, Comments: []Comment{{Body: "hello"}}})
	}
	o := e.wait(e.c.ImportTickets(ctx(t), batch, ImportOptions{}))
	var tids []int64
	for _, r := range o.Results {
		id, _ := r.IntID()
		tids = append(tids, id)
	}
	byExt, err := e.c.TicketsByExternalID(ctx(t), "kustomer:conv")
	if err != nil || len(byExt) != 5 {
		t.Errorf("by external id: %d tickets, %v", len(byExt), err)
	}
	var tagged []int64
	for tk, err := range e.c.SearchTicketsByTag(ctx(t), "kzbatch-0") {
		if err != nil {
			t.Fatal(err)
		}
		tagged = append(tagged, tk.ID)
	}
	if diff := cmp.Diff([]int64{tids[0], tids[2], tids[4]}, tagged); diff != "" {
		t.Errorf("tagged (-want +got):\n%s", diff)
	}
	shown, err := e.c.ShowManyTickets(ctx(t), tids[:2])
	if err != nil || len(shown) != 2 {
		t.Errorf("show_many = %d, %v", len(shown), err)
	}
	tk, err := e.c.UpdateTicket(ctx(t), tids[0], TicketUpdate{Comment: &Comment{Body: "split: continued in the next ticket", Public: ptr(false)}, AdditionalTags: []string{"kz_split"}})
	if err != nil || !slices.Contains(tk.Tags, "kz_split") {
		t.Fatalf("UpdateTicket = %+v, %v", tk, err)
	}
	var bodies []string
	for cm, err := range e.c.ListComments(ctx(t), tids[0]) {
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, cm.Body)
	}
	if diff := cmp.Diff([]string{"hello", "split: continued in the next ticket"}, bodies); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
	if e.c.Limiter().Endpoint("tickets-update").Stats().Requests == 0 {
		t.Error("the update did not go through the tickets-update limiter")
	}
	o = e.wait(e.c.DestroyManyTickets(ctx(t), tids))
	if len(o.Failed()) != 0 || len(e.sim.Dump().Tickets) != 0 {
		t.Errorf("destroy_many failed: %+v", o.Failed())
	}
}

func TestCustomObjects(t *testing.T) {
	t.Parallel()
	// The OpenAPI file requires both external_id and name on the upsert
	// (the prose forbids using them together) and types delete items as
	// records (the prose says id strings): check against the prose.
	e := newEnvUnchecked(t, zendesksim.Options{}, nil)
	if _, err := e.c.CreateCustomObject(ctx(t), CustomObject{Key: "order", Title: "Order", TitlePluralized: "Orders"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.CreateCustomObjectField(ctx(t), "order", CustomObjectField{Key: "total", Title: "Total", Type: "decimal"}); err != nil {
		t.Fatal(err)
	}
	fields, err := e.c.ListCustomObjectFields(ctx(t), "order")
	if err != nil || len(fields) != 3 {
		t.Errorf("fields = %+v, %v", fields, err)
	}
	o := e.wait(e.c.SubmitRecordJob(ctx(t), "order", RecordCreateOrUpdateByExternalID, []CustomObjectRecord{
		{Name: "Order 1", ExternalID: "kobj:1", CustomObjectFields: map[string]any{"total": 12.5}},
		{Name: "Order 2", ExternalID: "kobj:2", CustomObjectFields: map[string]any{"total": "lots"}},
	}))
	if !o.Results[0].Success || o.Results[0].ID == "" || o.Results[1].Success {
		t.Fatalf("results = %+v", o.Results)
	}
	if !strings.Contains(o.Results[1].Details, "Total: must be a decimal number") {
		t.Errorf("failed record details = %q", o.Results[1].Details)
	}
	recs, err := e.c.CustomObjectRecordsByExternalID(ctx(t), "order", []string{"kobj:1", "kobj:2"})
	if err != nil || len(recs) != 1 || recs[0].ID != o.Results[0].ID {
		t.Errorf("records by external id = %+v, %v", recs, err)
	}
	rec, err := e.c.UpsertCustomObjectRecord(ctx(t), "order", "kobj:2", CustomObjectRecord{Name: "Order 2", CustomObjectFields: map[string]any{"total": 3}})
	if err != nil || rec.ExternalID != "kobj:2" {
		t.Errorf("upsert = %+v, %v", rec, err)
	}
	lim, err := e.c.ObjectLimit(ctx(t))
	if err != nil || lim.Count != 1 || lim.Limit == 0 {
		t.Errorf("object limit = %+v, %v", lim, err)
	}
	o = e.wait(e.c.DeleteRecords(ctx(t), "order", []string{"kobj:1", "kobj:9"}, true))
	if !o.Results[0].Success || o.Results[1].Success {
		t.Errorf("delete results = %+v", o.Results)
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	var want []string
	for b := range 3 {
		var batch []Organization
		for i := range 90 {
			name := fmt.Sprintf("Org %03d", b*90+i)
			want = append(want, name)
			batch = append(batch, Organization{Name: name})
		}
		e.wait(e.c.CreateManyOrganizations(ctx(t), batch))
	}
	var got []string
	for o, err := range e.c.ListOrganizations(ctx(t)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o.Name)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cursor pages (-want +got):\n%s", diff)
	}
	var users []User
	for i := range 150 {
		users = append(users, User{Name: fmt.Sprintf("Pat %03d", i)})
		if len(users) == 100 || i == 149 {
			e.users(users...)
			users = nil
		}
	}
	found, err := collect(e.c.SearchUsers(ctx(t), "Pat"))
	if err != nil || len(found) != 150 {
		t.Errorf("offset pages: %d users, %v", len(found), err)
	}
	// Stopping early sends no more requests.
	before := settledTotal(e.sim)
	for range e.c.ListOrganizations(ctx(t)) {
		break
	}
	if n := settledTotal(e.sim) - before; n != 1 {
		t.Errorf("stopping after one item sent %d requests", n)
	}
}

func TestRetryAfterRespected(t *testing.T) {
	t.Parallel()
	f, err := simkit.ParseFaults("429burst=0.1:1,retry-after=1s,seed=5")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, zendesksim.Options{Faults: f}, nil)
	start := time.Now()
	for range 20 {
		if _, err := e.c.Me(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	st := e.sim.Stats()
	t.Logf("%d requests, %d answered 429", st.Total, st.TooMany)
	if st.TooMany == 0 {
		t.Fatal("the fault switch sent no 429s; pick another seed")
	}
	if st.EarlyRetries != 0 {
		t.Errorf("%d requests came before a Retry-After elapsed", st.EarlyRetries)
	}
	// Each burst costs at least its Retry-After per 429.
	if took := time.Since(start); took < time.Duration(st.TooMany)*time.Second {
		t.Errorf("%d 429s of Retry-After 1s took only %v", st.TooMany, took)
	}
	if got := e.c.Limiter().Stats().TooMany; got != st.TooMany {
		t.Errorf("limiter saw %d 429s, the simulator sent %d", got, st.TooMany)
	}
}

func TestServerErrorsRetried(t *testing.T) {
	t.Parallel()
	f, err := simkit.ParseFaults("5xx=0.2,seed=11")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, zendesksim.Options{Faults: f}, nil)
	for range 10 {
		if _, err := e.c.ShowManyUsers(ctx(t), []int64{1, 2}); err != nil {
			t.Fatalf("a read failed despite retries: %v", err)
		}
	}
	st := e.sim.Stats()
	if st.ByStatus[500]+st.ByStatus[503] == 0 {
		t.Fatal("no 5xx were sent")
	}
	if st.EarlyRetries != 0 {
		t.Errorf("%d requests came before a 503's Retry-After elapsed", st.EarlyRetries)
	}
}

func TestUnsafeWritesAreNotRepeated(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"5xx=1", "reset=1"} {
		t.Run(spec, func(t *testing.T) {
			f, err := simkit.ParseFaults(spec + ",seed=1")
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, zendesksim.Options{Faults: f}, func(c *Config) { c.MaxAttempts = 2 })
			_, err = e.c.ImportTickets(ctx(t), []TicketImport{{Subject: "x", Comments: []Comment{{Body: "x"}}}}, ImportOptions{})
			if !errors.Is(err, ErrMaybeSent) {
				t.Fatalf("err = %v, want ErrMaybeSent", err)
			}
			var ms *MaybeSentError
			if !errors.As(err, &ms) || ms.Path != "/api/v2/imports/tickets/create_many" {
				t.Errorf("err = %#v", err)
			}
			if n := settledTotal(e.sim); n != 1 {
				t.Errorf("sent %d times, want once", n)
			}
			// The failed submit gave its job slot back.
			if e.c.jobs.ours != 0 {
				t.Errorf("%d job slots still held", e.c.jobs.ours)
			}
			// A read is repeated until it runs out of attempts.
			_, err = e.c.Me(ctx(t))
			if err == nil || errors.Is(err, ErrMaybeSent) {
				t.Errorf("read err = %v", err)
			}
			if n := settledTotal(e.sim); n != 1+int64(e.c.cfg.MaxAttempts) {
				t.Errorf("read sent %d times, want %d", n-1, e.c.cfg.MaxAttempts)
			}
		})
	}
}

func TestIdempotencyKeyMakesCreateSafe(t *testing.T) {
	t.Parallel()
	f, err := simkit.ParseFaults("reset=0.5,seed=4")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, zendesksim.Options{Faults: f}, nil)
	for i := range 10 {
		tk, err := e.c.CreateTicket(ctx(t), NewTicket{Subject: fmt.Sprint("T", i), Comment: &Comment{Body: "hello"}}, fmt.Sprint("kzmap-key-", i))
		if err != nil {
			t.Fatalf("ticket %d: %v", i, err)
		}
		if tk.ID == 0 {
			t.Fatalf("ticket %d has no id", i)
		}
	}
	if st := e.sim.Stats(); st.Resets == 0 {
		t.Fatal("no connection was reset")
	}
	if n := len(e.sim.Dump().Tickets); n != 10 {
		t.Errorf("%d tickets, want 10", n)
	}
}

func TestJobsInFlightCapped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{JobDelay: 20 * time.Millisecond}, nil)
	const jobs = 45
	var wg sync.WaitGroup
	errs := make(chan error, jobs)
	for i := range jobs {
		wg.Go(func() {
			j, err := e.c.CreateManyOrganizations(ctx(t), []Organization{{Name: fmt.Sprint("Org ", i)}})
			if err != nil {
				errs <- err
				return
			}
			if _, err := j.Wait(ctx(t)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := e.sim.Stats()
	if st.TooMany != 0 {
		t.Errorf("%d answers were 429 (TooManyJobs)", st.TooMany)
	}
	polls := st.ByRoute["GET /api/v2/job_statuses/show_many"]
	if polls >= jobs {
		t.Errorf("%d polls for %d jobs: polls are not shared", polls, jobs)
	}
	t.Logf("%d jobs, %d polls", jobs, polls)
	if n := len(e.sim.Dump().Organizations); n != jobs {
		t.Errorf("%d organizations, want %d", n, jobs)
	}
}

func TestTooManyJobsWaitsForOthers(t *testing.T) {
	t.Parallel()
	// Jobs last a second, so the other client's 30 are still running
	// when ours is sent, however slow the machine.
	e := newEnv(t, zendesksim.Options{JobDelay: 500 * time.Millisecond}, nil)
	// Another client fills the account's 30 job slots.
	other, err := New(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	var theirs []*Job
	for i := range 30 {
		j, err := other.CreateManyOrganizations(ctx(t), []Organization{{Name: fmt.Sprint("Theirs ", i)}})
		if err != nil {
			t.Fatal(err)
		}
		theirs = append(theirs, j)
	}
	o := e.wait(e.c.CreateManyOrganizations(ctx(t), []Organization{{Name: "Ours"}}))
	if !o.Results[0].Success {
		t.Errorf("result = %+v", o.Results[0])
	}
	if e.sim.Stats().TooMany == 0 {
		t.Error("the account never answered TooManyJobs")
	}
	for _, j := range theirs {
		if _, err := j.Wait(ctx(t)); err != nil {
			t.Error(err)
		}
	}
}

func TestResumeJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	j, err := e.c.CreateManyOrganizations(ctx(t), []Organization{{Name: "A"}, {Name: "B"}})
	if err != nil {
		t.Fatal(err)
	}
	// A new client (after a crash) picks the job up by id.
	c2, err := New(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	o, err := c2.ResumeJob(j.ID(), j.Items()).Wait(ctx(t))
	if err != nil || len(o.Failed()) != 0 || len(o.Results) != 2 {
		t.Fatalf("resumed = %+v, %v", o, err)
	}
	_, err = c2.ResumeJob("no-such-job", 1).Wait(ctx(t))
	if !errors.Is(err, ErrJobGone) {
		t.Errorf("unknown job: %v, want ErrJobGone", err)
	}
}

func TestBulkImportsDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	sim := zendesksim.New(zendesksim.Options{Email: testEmail, Token: testToken, Window: time.Second, Limit: 3000})
	e.srv.Config.Handler = sim
	_, err := e.c.CreateManyUsers(ctx(t), []User{{Name: "A"}})
	if !errors.Is(err, ErrForbidden) {
		t.Fatalf("err = %v, want ErrForbidden", err)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr); !strings.Contains(apiErr.Description, "You do not have access") {
		t.Errorf("description = %q", apiErr.Description)
	}
}

func TestContextCancelStopsWaiting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{JobDelay: time.Hour}, nil)
	j, err := e.c.CreateManyOrganizations(ctx(t), []Organization{{Name: "A"}})
	if err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := j.Wait(c); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait = %v, want deadline exceeded", err)
	}
	if _, err := e.c.Me(c); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Me = %v, want deadline exceeded", err)
	}
}

func TestRequestsCarryCredentialsAndAgent(t *testing.T) {
	t.Parallel()
	var got http.Header
	e := newEnv(t, zendesksim.Options{}, func(c *Config) { c.UserAgent = "kzmap-test" })
	inner := e.srv.Config.Handler
	e.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		inner.ServeHTTP(w, r)
	})
	if _, err := e.c.Me(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if u, p, ok := (&http.Request{Header: got}).BasicAuth(); !ok || u != testEmail+"/token" || p != testToken {
		t.Errorf("basic auth = %q, ok %v", u, ok)
	}
	if got.Get("User-Agent") != "kzmap-test" || got.Get("Accept") != "application/json" {
		t.Errorf("headers = %v", got)
	}
}

func TestPollingStopsOnPermanentErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{JobDelay: time.Hour}, nil)
	j, err := e.c.CreateManyOrganizations(ctx(t), []Organization{{Name: "A"}})
	if err != nil {
		t.Fatal(err)
	}
	// The token is revoked while the job runs.
	e.srv.Config.Handler = zendesksim.New(zendesksim.Options{Email: testEmail, Token: "rotated", Window: time.Second, Limit: 3000})
	if _, err := j.Wait(ctx(t)); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Wait = %v, want ErrUnauthorized", err)
	}
	if e.c.jobs.ours != 0 {
		t.Errorf("%d job slots still held", e.c.jobs.ours)
	}
}

func TestCancelledWriteMayHaveBeenSent(t *testing.T) {
	t.Parallel()
	f, err := simkit.ParseFaults("latency=300ms")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, zendesksim.Options{Faults: f}, nil)
	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = e.c.ImportTicket(c, TicketImport{Comments: []Comment{{Body: "x"}}}, ImportOptions{})
	if !errors.Is(err, ErrMaybeSent) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want ErrMaybeSent and DeadlineExceeded", err)
	}
}
