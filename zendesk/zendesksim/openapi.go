package zendesksim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Spec is the Zendesk OpenAPI file, loaded once, against which requests
// can be checked.
//
// kin-openapi loads the file, but doc.Validate rejects it (schema
// ConversationLogObject is an array without items), and both kin-openapi
// routers want a validated document (legacy) or an extra dependency
// (gorillamux). Spec therefore matches paths itself and hands
// openapi3filter the route. Read-only checks are off: the file marks
// comment created_at and record name readOnly, yet imports and record
// creation accept them [IMPORT-DOC]; [OAS].
type Spec struct {
	doc   *openapi3.T
	paths []specPath
}

type specPath struct {
	template string
	segs     []string
	params   int
	item     *openapi3.PathItem
}

// LoadSpec reads the OpenAPI file at path.
func LoadSpec(path string) (*Spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	s := &Spec{doc: doc}
	for tmpl, item := range doc.Paths.Map() {
		p := specPath{template: tmpl, segs: strings.Split(strings.Trim(tmpl, "/"), "/"), item: item}
		for _, seg := range p.segs {
			if strings.HasPrefix(seg, "{") {
				p.params++
			}
		}
		s.paths = append(s.paths, p)
	}
	// Fewer parameters first, so /tickets/show_many wins over /tickets/{id}.
	sort.Slice(s.paths, func(i, j int) bool {
		if s.paths[i].params != s.paths[j].params {
			return s.paths[i].params < s.paths[j].params
		}
		return s.paths[i].template < s.paths[j].template
	})
	return s, nil
}

// ErrNoOperation reports a request the OpenAPI file does not describe.
var ErrNoOperation = errors.New("no operation in the OpenAPI file")

// find returns the operation for method and path, with path parameters.
func (s *Spec) find(method, path string) (*routers.Route, map[string]string, error) {
	segs := strings.Split(strings.Trim(strings.TrimSuffix(path, ".json"), "/"), "/")
	for _, p := range s.paths {
		if len(p.segs) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, seg := range p.segs {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				params[seg[1:len(seg)-1]] = segs[i]
			} else if seg != segs[i] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		op := p.item.GetOperation(method)
		if op == nil {
			continue
		}
		return &routers.Route{Spec: s.doc, Path: p.template, PathItem: p.item, Method: method, Operation: op}, params, nil
	}
	return nil, nil, fmt.Errorf("%s %s: %w", method, path, ErrNoOperation)
}

// ValidateRequest checks r, whose body is body, against the OpenAPI
// operation for its method and path: parameters and the JSON body. A
// request the file does not describe passes, since the file has gaps
// (organizations/create_many has no body, for one).
func (s *Spec) ValidateRequest(r *http.Request, body []byte) error {
	route, params, err := s.find(r.Method, r.URL.Path)
	if errors.Is(err, ErrNoOperation) {
		return nil
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	if r2.Header.Get("Content-Type") == "" {
		r2.Header.Set("Content-Type", "application/json")
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc:         openapi3filter.NoopAuthenticationFunc,
		ExcludeReadOnlyValidations: true,
		MultiError:                 true,
	}
	// Name the offending value and why, without dumping the schema.
	opts.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return "/" + strings.Join(err.JSONPointer(), "/") + ": " + err.Reason
	})
	in := &openapi3filter.RequestValidationInput{Request: r2, PathParams: params, Route: route, Options: opts}
	return openapi3filter.ValidateRequest(context.Background(), in)
}
