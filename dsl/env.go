package dsl

import (
	"fmt"

	"github.com/kzmap/kzmap/record"
)

// Scope is what every expression sees besides its record: the HCL locals
// and variables (as plain Go values) and, inside for_each, the element.
type Scope struct {
	Local map[string]any `expr:"local"`
	Var   map[string]any `expr:"var"`
	Each  any            `expr:"each"`
}

// The environments of expressions, one per Kustomer record type: the
// record's fields at top level, then local, var and each. They are plain
// structs so expr type-checks field access at compile time and reads fields
// without map lookups at run time.
type (
	companyEnv struct {
		record.Company
		Scope
	}
	customerEnv struct {
		record.Customer
		Scope
	}
	userEnv struct {
		record.User
		Scope
	}
	teamEnv struct {
		record.Team
		Scope
	}
	conversationEnv struct {
		record.Conversation
		Scope
	}
	messageEnv struct {
		record.Message
		Scope
	}
	noteEnv struct {
		record.Note
		Scope
	}
	klassEnv struct {
		record.Klass
		Scope
	}
	kobjectEnv struct {
		record.KObject
		Scope
	}
	attachmentEnv struct {
		record.Attachment
		Scope
	}
)

// envPrototype returns the zero environment of a record type, for
// compilation.
func envPrototype(from string) (any, bool) {
	switch from {
	case "company":
		return companyEnv{}, true
	case "customer":
		return customerEnv{}, true
	case "user":
		return userEnv{}, true
	case "team":
		return teamEnv{}, true
	case "conversation":
		return conversationEnv{}, true
	case "message":
		return messageEnv{}, true
	case "note":
		return noteEnv{}, true
	case "klass":
		return klassEnv{}, true
	case "kobject":
		return kobjectEnv{}, true
	case "attachment":
		return attachmentEnv{}, true
	}
	return nil, false
}

// NewEnv builds the environment of one record. rec is a pointer to a
// record type, as record.Decode returns it.
func NewEnv(rec any, sc Scope) (any, error) {
	switch r := rec.(type) {
	case *record.Company:
		return &companyEnv{*r, sc}, nil
	case *record.Customer:
		return &customerEnv{*r, sc}, nil
	case *record.User:
		return &userEnv{*r, sc}, nil
	case *record.Team:
		return &teamEnv{*r, sc}, nil
	case *record.Conversation:
		return &conversationEnv{*r, sc}, nil
	case *record.Message:
		return &messageEnv{*r, sc}, nil
	case *record.Note:
		return &noteEnv{*r, sc}, nil
	case *record.Klass:
		return &klassEnv{*r, sc}, nil
	case *record.KObject:
		return &kobjectEnv{*r, sc}, nil
	case *record.Attachment:
		return &attachmentEnv{*r, sc}, nil
	}
	return nil, fmt.Errorf("no expression environment for %T", rec)
}

// setEach replaces the for_each element in an environment built by NewEnv.
func setEach(env any, each any) {
	switch e := env.(type) {
	case *companyEnv:
		e.Each = each
	case *customerEnv:
		e.Each = each
	case *userEnv:
		e.Each = each
	case *teamEnv:
		e.Each = each
	case *conversationEnv:
		e.Each = each
	case *messageEnv:
		e.Each = each
	case *noteEnv:
		e.Each = each
	case *klassEnv:
		e.Each = each
	case *kobjectEnv:
		e.Each = each
	case *attachmentEnv:
		e.Each = each
	}
}
