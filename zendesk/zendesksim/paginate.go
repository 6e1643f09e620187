package zendesksim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// maxOffsetRecords is how deep offset pagination may go [OBP-ANN].
const maxOffsetRecords = 10_000

// cursorMeta and cursorLinks are the cursor pagination blocks [PAG-DOC].
type cursorMeta struct {
	HasMore      bool    `json:"has_more"`
	AfterCursor  *string `json:"after_cursor"`
	BeforeCursor *string `json:"before_cursor"`
}

type cursorLinks struct {
	Next *string `json:"next"`
	Prev *string `json:"prev"`
}

func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte("o:" + id)) }

func decodeCursor(s string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", false
	}
	id, ok := strings.CutPrefix(string(b), "o:")
	return id, ok
}

// page is one page of a sorted list, cut by cursor or offset parameters.
type page[K any] struct {
	items []K
	extra map[string]any // meta/links or next_page/previous_page/count
}

// paginate cuts keys (sorted by cmp) by the request's page parameters:
// cursor pagination when page[size] (or page[after]/page[before]) is
// given, offset pagination (page, per_page) otherwise. format and parse
// turn a key into a cursor value and back.
func paginate[K any](c *call, keys []K, cmp func(a, b K) int, format func(K) string, parse func(string) (K, bool)) (page[K], *reply) {
	q := c.r.URL.Query()
	size, after, before := q.Get("page[size]"), q.Get("page[after]"), q.Get("page[before]")
	if size != "" || after != "" || before != "" {
		return cursorPage(c, keys, cmp, format, parse, size, after, before)
	}
	perPage, pageNo := 100, 1
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			r := badRequest("per_page must be a positive integer")
			return page[K]{}, &r
		}
		perPage = min(n, 100)
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			r := badRequest("page must be a positive integer")
			return page[K]{}, &r
		}
		pageNo = n
	}
	start := (pageNo - 1) * perPage
	if start >= maxOffsetRecords {
		r := badRequest("Offset pagination is limited to the first 10000 records. Use cursor pagination to go further.")
		return page[K]{}, &r
	}
	end := min(start+perPage, len(keys))
	p := page[K]{extra: map[string]any{"count": len(keys), "next_page": nil, "previous_page": nil}}
	if start < len(keys) {
		p.items = keys[start:end]
	}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(n))
		v.Set("per_page", strconv.Itoa(perPage))
		return c.base + c.r.URL.Path + ".json?" + v.Encode()
	}
	if end < len(keys) && end < maxOffsetRecords {
		p.extra["next_page"] = link(pageNo + 1)
	}
	if pageNo > 1 {
		p.extra["previous_page"] = link(pageNo - 1)
	}
	return p, nil
}

func cursorPage[K any](c *call, keys []K, cmp func(a, b K) int, format func(K) string, parse func(string) (K, bool), size, after, before string) (page[K], *reply) {
	n := 100
	if size != "" {
		v, err := strconv.Atoi(size)
		if err != nil || v < 1 {
			r := badRequest("page[size] must be a positive integer")
			return page[K]{}, &r
		}
		if v > 100 {
			r := badRequest("page[size] must be at most 100")
			return page[K]{}, &r
		}
		n = v
	}
	if after != "" && before != "" {
		r := badRequest("page[before] and page[after] can't be used together")
		return page[K]{}, &r
	}
	var items []K
	hasMore := false
	switch {
	case before != "":
		k, ok := decodeKey(before, parse)
		if !ok {
			r := badRequest("page[before] is not a valid cursor")
			return page[K]{}, &r
		}
		end, _ := slices.BinarySearchFunc(keys, k, cmp)
		start := max(end-n, 0)
		items, hasMore = keys[start:end], start > 0
	default:
		start := 0
		if after != "" {
			k, ok := decodeKey(after, parse)
			if !ok {
				r := badRequest("page[after] is not a valid cursor")
				return page[K]{}, &r
			}
			i, found := slices.BinarySearchFunc(keys, k, cmp)
			if found {
				i++
			}
			start = i
		}
		end := min(start+n, len(keys))
		items, hasMore = keys[start:end], end < len(keys)
	}
	meta := cursorMeta{HasMore: hasMore}
	links := cursorLinks{}
	if len(items) > 0 {
		a, b := encodeCursor(format(items[len(items)-1])), encodeCursor(format(items[0]))
		meta.AfterCursor, meta.BeforeCursor = &a, &b
		mk := func(param, cur string) *string {
			s := fmt.Sprintf("%s%s.json?page[size]=%d&%s=%s", c.base, c.r.URL.Path, n, param, cur)
			for k, vs := range c.r.URL.Query() {
				if !strings.HasPrefix(k, "page[") {
					for _, v := range vs {
						s += "&" + url.QueryEscape(k) + "=" + url.QueryEscape(v)
					}
				}
			}
			return &s
		}
		links.Next, links.Prev = mk("page[after]", a), mk("page[before]", b)
	}
	return page[K]{items: items, extra: map[string]any{"meta": meta, "links": links}}, nil
}

func decodeKey[K any](cur string, parse func(string) (K, bool)) (K, bool) {
	s, ok := decodeCursor(cur)
	if !ok {
		var zero K
		return zero, false
	}
	return parse(s)
}

// paginateIDs is paginate over ascending integer ids.
func paginateIDs(c *call, ids []int64) (page[int64], *reply) {
	return paginate(c, ids, cmpInt, func(id int64) string { return strconv.FormatInt(id, 10) },
		func(s string) (int64, bool) {
			n, err := strconv.ParseInt(s, 10, 64)
			return n, err == nil
		})
}

// listReply assembles a list response: key holds the items, next to the
// pagination blocks.
func listReply(key string, items any, extra map[string]any) reply {
	out := map[string]any{key: items}
	for k, v := range extra {
		out[k] = v
	}
	return reply{http.StatusOK, out}
}

// parseIDs reads a comma-separated id list of at most 100 [OAS show_many].
func parseIDs(raw, name string) ([]int64, *reply) {
	var ids []int64
	for part := range strings.SplitSeq(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			r := badRequest(fmt.Sprintf("%s must be a comma-separated list of integers", name))
			return nil, &r
		}
		ids = append(ids, n)
	}
	if len(ids) > 100 {
		r := badRequest(fmt.Sprintf("%s accepts at most 100 values", name))
		return nil, &r
	}
	return ids, nil
}

// sortedIDs is an ascending id list kept in order as ids are added (ids
// only grow) and removed, so list endpoints need not sort a map.
type sortedIDs []int64

func (s *sortedIDs) add(id int64) {
	if n := len(*s); n == 0 || (*s)[n-1] < id {
		*s = append(*s, id)
		return
	}
	i, found := slices.BinarySearch(*s, id)
	if !found {
		*s = slices.Insert(*s, i, id)
	}
}

func (s *sortedIDs) remove(id int64) {
	if i, found := slices.BinarySearch(*s, id); found {
		*s = slices.Delete(*s, i, i+1)
	}
}
