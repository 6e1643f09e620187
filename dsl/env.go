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
		*record.Company
		Scope
	}
	customerEnv struct {
		*record.Customer
		Scope
	}
	userEnv struct {
		*record.User
		Scope
	}
	teamEnv struct {
		*record.Team
		Scope
	}
	conversationEnv struct {
		*record.Conversation
		Scope
	}
	messageEnv struct {
		*record.Message
		Scope
	}
	noteEnv struct {
		*record.Note
		Scope
	}
	klassEnv struct {
		*record.Klass
		Scope
	}
	kobjectEnv struct {
		*record.KObject
		Scope
	}
	attachmentEnv struct {
		*record.Attachment
		Scope
	}
	attributeEnv struct {
		*record.Attribute
		Scope
	}
	kbCategoryEnv struct {
		*record.KBCategory
		Scope
	}
	kbArticleEnv struct {
		*record.KBArticle
		Scope
	}
	mediaEnv struct {
		*record.Media
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
	case "conversation_attribute", "customer_attribute", "company_attribute":
		return attributeEnv{}, true
	case "kb_category":
		return kbCategoryEnv{}, true
	case "kb_article":
		return kbArticleEnv{}, true
	case "media":
		return mediaEnv{}, true
	}
	return nil, false
}

// envSet holds one reusable environment per record type, so evaluating a
// record allocates nothing for its environment: the record is pointed at,
// not copied.
type envSet struct {
	company      companyEnv
	customer     customerEnv
	user         userEnv
	team         teamEnv
	conversation conversationEnv
	message      messageEnv
	note         noteEnv
	klass        klassEnv
	kobject      kobjectEnv
	attachment   attachmentEnv
	attribute    attributeEnv
	kbCategory   kbCategoryEnv
	kbArticle    kbArticleEnv
	media        mediaEnv
}

// env points the environment of rec's type at rec and returns it. rec is a
// pointer to a record type, as record.Decode returns it. The result is
// valid until the next call for the same type.
func (s *envSet) env(rec any, sc Scope) (any, *Scope, error) {
	switch r := rec.(type) {
	case *record.Company:
		s.company = companyEnv{r, sc}
		return &s.company, &s.company.Scope, nil
	case *record.Customer:
		s.customer = customerEnv{r, sc}
		return &s.customer, &s.customer.Scope, nil
	case *record.User:
		s.user = userEnv{r, sc}
		return &s.user, &s.user.Scope, nil
	case *record.Team:
		s.team = teamEnv{r, sc}
		return &s.team, &s.team.Scope, nil
	case *record.Conversation:
		s.conversation = conversationEnv{r, sc}
		return &s.conversation, &s.conversation.Scope, nil
	case *record.Message:
		s.message = messageEnv{r, sc}
		return &s.message, &s.message.Scope, nil
	case *record.Note:
		s.note = noteEnv{r, sc}
		return &s.note, &s.note.Scope, nil
	case *record.Klass:
		s.klass = klassEnv{r, sc}
		return &s.klass, &s.klass.Scope, nil
	case *record.KObject:
		s.kobject = kobjectEnv{r, sc}
		return &s.kobject, &s.kobject.Scope, nil
	case *record.Attachment:
		s.attachment = attachmentEnv{r, sc}
		return &s.attachment, &s.attachment.Scope, nil
	case *record.Attribute:
		s.attribute = attributeEnv{r, sc}
		return &s.attribute, &s.attribute.Scope, nil
	case *record.KBCategory:
		s.kbCategory = kbCategoryEnv{r, sc}
		return &s.kbCategory, &s.kbCategory.Scope, nil
	case *record.KBArticle:
		s.kbArticle = kbArticleEnv{r, sc}
		return &s.kbArticle, &s.kbArticle.Scope, nil
	case *record.Media:
		s.media = mediaEnv{r, sc}
		return &s.media, &s.media.Scope, nil
	}
	return nil, nil, fmt.Errorf("no expression environment for %T", rec)
}
