package builtin

// List and table helpers that expr lacks. expr already has first, last,
// take, uniq, concat, flatten, sort, sortBy, groupBy, filter, map, reduce,
// join and split; these only fill the gaps a mapping needs.

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
)

var listFuncs = []Func{
	{
		Name:      "but_last",
		Signature: "but_last(list: list) → list",
		Doc:       "Returns every element except the last; an empty list stays empty.",
		Detail:    "With last() it splits several assignees into the one Zendesk keeps and the ones recorded elsewhere.",
		Category:  catLists,
		Examples: []Example{
			{Expr: `but_last(["ann", "bob", "cy"])`, Want: []any{"ann", "bob"}},
			{Expr: `but_last([])`, Want: []any{}},
		},
		types: []any{new(func([]any) []any), new(func([]string) []string)},
		fn: func(args ...any) (any, error) {
			if err := arity("but_last", args, 1, 1); err != nil {
				return nil, err
			}
			if l, ok := args[0].([]string); ok {
				if len(l) == 0 {
					return []string{}, nil
				}
				return slices.Clone(l[:len(l)-1]), nil
			}
			l, err := elements("but_last", args[0])
			if err != nil {
				return nil, err
			}
			if len(l) == 0 {
				return []any{}, nil
			}
			return slices.Clone(l[:len(l)-1]), nil
		},
	},
	{
		Name:      "compact",
		Signature: "compact(list: list) → list",
		Doc:       "Returns the list without its empty elements: nil, blank strings, empty lists and empty maps.",
		Detail:    "Numbers (including 0), booleans and times are kept; strings are kept as they are, not trimmed.",
		Category:  catLists,
		Examples: []Example{
			{Expr: `compact(["vip", "", nil, "  ", 0, [], "late"])`, Want: []any{"vip", 0, "late"}},
		},
		types: []any{new(func([]any) []any), new(func([]string) []string)},
		fn: func(args ...any) (any, error) {
			if err := arity("compact", args, 1, 1); err != nil {
				return nil, err
			}
			if l, ok := args[0].([]string); ok {
				out := []string{}
				for _, s := range l {
					if !isEmpty(s) {
						out = append(out, s)
					}
				}
				return out, nil
			}
			l, err := elements("compact", args[0])
			if err != nil {
				return nil, err
			}
			out := []any{}
			for _, e := range l {
				if !isEmpty(e) {
					out = append(out, e)
				}
			}
			return out, nil
		},
	},
	{
		Name:      "coalesce",
		Signature: "coalesce(values: any...) → any",
		Doc:       "Returns the first argument that is not empty (as compact defines it), or nil.",
		Detail:    "Unlike `??`, which only skips nil, it also skips blank strings and empty lists, which Kustomer sends for unset fields.",
		Category:  catLists,
		Examples: []Example{
			{Expr: `coalesce("", nil, "Ann Lee", "Customer")`, Want: "Ann Lee"},
			{Expr: `coalesce(nil, 0)`, Want: 0},
			{Expr: `coalesce("", [])`, Want: nil},
		},
		types: []any{new(func(...any) any)},
		fn: func(args ...any) (any, error) {
			for _, a := range args {
				if !isEmpty(a) {
					return a, nil
				}
			}
			return nil, nil
		},
	},
	{
		Name:      "lookup",
		Signature: "lookup(table: map, key: any, default?: any) → any",
		Doc:       "Returns table[key] with the key turned into a string, or default (nil when omitted) when the key is missing or nil.",
		Detail: "Keys are written the way HCL writes object keys: 3 and 3.0 become \"3\", true becomes \"true\". " +
			"A nil key gives the default; a list or map as key is an error.",
		Category: catLists,
		Examples: []Example{
			{Expr: `lookup({"1": "low", "3": "normal", "5": "urgent"}, 3, "normal")`, Want: "normal"},
			{Expr: `lookup({"open": "open", "snoozed": "pending"}, "done", "solved")`, Want: "solved"},
			{Expr: `lookup({"open": "open"}, nil)`, Want: nil},
		},
		types: []any{
			new(func(map[string]any, any, any) any),
			new(func(map[string]any, any) any),
			new(func(map[string]string, any, any) any),
			new(func(map[string]string, any) any),
		},
		fn: func(args ...any) (any, error) {
			if err := arity("lookup", args, 2, 3); err != nil {
				return nil, err
			}
			var def any
			if len(args) == 3 {
				def = args[2]
			}
			if args[1] == nil {
				return def, nil
			}
			key, ok := scalarString(args[1])
			if !ok {
				return nil, fmt.Errorf("lookup: a key must be a string, number or bool, got %s", typeName(args[1]))
			}
			v, err := mapIndex("lookup", args[0], key)
			if err != nil {
				return nil, err
			}
			if v == nil {
				return def, nil
			}
			return v, nil
		},
	},
	{
		Name:      "keys_sorted",
		Signature: "keys_sorted(m: map) → list of string",
		Doc:       "Returns the keys of a string-keyed map in sorted order.",
		Detail:    "expr's keys(), values() and toPairs() are disabled because their order changes between runs; iterate over keys_sorted(m) instead.",
		Category:  catLists,
		Examples: []Example{
			{Expr: `keys_sorted({"b": 1, "a": 2, "c": 3})`, Want: []string{"a", "b", "c"}},
			{Expr: `map(keys_sorted({"vip": true, "late": false}), # + "_tag")`, Want: []any{"late_tag", "vip_tag"}},
		},
		types: []any{new(func(map[string]any) []string), new(func(map[string]string) []string)},
		fn: func(args ...any) (any, error) {
			if err := arity("keys_sorted", args, 1, 1); err != nil {
				return nil, err
			}
			switch m := args[0].(type) {
			case nil:
				return []string{}, nil
			case map[string]any:
				return slices.Sorted(maps.Keys(m)), nil
			case map[string]string:
				return slices.Sorted(maps.Keys(m)), nil
			}
			rv := reflect.ValueOf(args[0])
			if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
				return nil, fmt.Errorf("keys_sorted: want a map with string keys, got %s", typeName(args[0]))
			}
			keys := make([]string, 0, rv.Len())
			for it := rv.MapRange(); it.Next(); {
				keys = append(keys, it.Key().String())
			}
			slices.Sort(keys)
			return keys, nil
		},
	},
}

// mapIndex returns m[key] for any map with string keys; nil maps and
// missing keys give nil.
func mapIndex(fn string, m any, key string) (any, error) {
	switch t := m.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return t[key], nil
	case map[string]string:
		if v, ok := t[key]; ok {
			return v, nil
		}
		return nil, nil
	}
	rv := reflect.ValueOf(m)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, fmt.Errorf("%s: want a map with string keys as table, got %s", fn, typeName(m))
	}
	v := rv.MapIndex(reflect.ValueOf(key).Convert(rv.Type().Key()))
	if !v.IsValid() {
		return nil, nil
	}
	return v.Interface(), nil
}
