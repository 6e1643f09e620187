package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// Lists come in two kinds of pages. Cursor pages (page[size], meta and
// links) reach everything; offset pages (page, per_page, next_page) stop
// at 10,000 records and are what search offers. Both are followed by
// building the next request from the cursor or page number, never by
// fetching the server's next link: the link names a host, and the token
// goes only to the configured one.

// cursorList yields the items under key of every cursor page of path.
func cursorList[T any](ctx context.Context, c *Client, path string, query url.Values, key string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("page[size]", "100")
		for {
			var page map[string]json.RawMessage
			if _, err := c.do(ctx, &request{method: http.MethodGet, path: path, query: q, safe: true}, &page); err != nil {
				yield(zero, err)
				return
			}
			var items []T
			if err := json.Unmarshal(page[key], &items); err != nil {
				yield(zero, fmt.Errorf("zendesk: GET %s: reading %s: %w", path, key, err))
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			var meta struct {
				HasMore     bool   `json:"has_more"`
				AfterCursor string `json:"after_cursor"`
			}
			if raw, ok := page["meta"]; ok {
				if err := json.Unmarshal(raw, &meta); err != nil {
					yield(zero, fmt.Errorf("zendesk: GET %s: reading meta: %w", path, err))
					return
				}
			}
			if !meta.HasMore || meta.AfterCursor == "" || len(items) == 0 {
				return
			}
			q.Set("page[after]", meta.AfterCursor)
		}
	}
}

// offsetList yields the items under key of every offset page of path, up
// to Zendesk's 10,000-record cap.
func offsetList[T any](ctx context.Context, c *Client, path string, query url.Values, key string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("per_page", "100")
		for page := 1; ; page++ {
			q.Set("page", strconv.Itoa(page))
			var body map[string]json.RawMessage
			if _, err := c.do(ctx, &request{method: http.MethodGet, path: path, query: q, safe: true}, &body); err != nil {
				yield(zero, err)
				return
			}
			var items []T
			if err := json.Unmarshal(body[key], &items); err != nil {
				yield(zero, fmt.Errorf("zendesk: GET %s: reading %s: %w", path, key, err))
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			var next *string
			if raw, ok := body["next_page"]; ok {
				_ = json.Unmarshal(raw, &next)
			}
			if next == nil || *next == "" || len(items) == 0 {
				return
			}
		}
	}
}

// collect drains a list.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
