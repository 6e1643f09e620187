package builtin

// Conversions between the dynamic values expr hands to a function and the
// Go types the implementations work on. expr checks argument types at
// compile time only where they are known; values typed any in the
// environment arrive as whatever the record holds, so every conversion
// here tolerates nil and reports other mismatches as errors.

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// arity checks the argument count for implementations called with a
// variable number of arguments.
func arity(name string, args []any, min, max int) error {
	if len(args) < min || len(args) > max {
		if min == max {
			return fmt.Errorf("%s: want %d arguments, got %d", name, min, len(args))
		}
		return fmt.Errorf("%s: want %d to %d arguments, got %d", name, min, max, len(args))
	}
	return nil
}

// str returns a string argument; nil is "".
func str(name string, v any) (string, error) {
	switch s := v.(type) {
	case string:
		return s, nil
	case nil:
		return "", nil
	case *string:
		if s == nil {
			return "", nil
		}
		return *s, nil
	}
	return "", fmt.Errorf("%s: want a string, got %s", name, typeName(v))
}

// integer returns an int argument; whole floats are accepted because JSON
// numbers arrive as float64.
func integer(name string, v any) (int, error) {
	switch n := v.(type) {
	case int:
		return n, nil
	case int64:
		return int(n), nil
	case int32:
		return int(n), nil
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int(n), nil
		}
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return int(i), nil
		}
	}
	return 0, fmt.Errorf("%s: want an integer, got %s", name, typeName(v))
}

// scalarString turns a scalar into the string a table key or a tag would
// be written as: 3 and 3.0 both become "3". ok is false for nil and for
// values that are not scalars.
func scalarString(v any) (s string, ok bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int:
		return strconv.Itoa(x), true
	case int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x), true
	case float32:
		return formatFloat(float64(x)), true
	case float64:
		return formatFloat(x), true
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return formatFloat(f), true
		}
		return x.String(), true
	}
	return "", false
}

func formatFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// elements returns the elements of any slice or array; nil is empty.
func elements(name string, v any) ([]any, error) {
	switch l := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return l, nil
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, fmt.Errorf("%s: want a list, got %s", name, typeName(v))
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, nil
}

// isEmpty is the one notion of "empty" shared by compact and coalesce:
// nil, a string of only whitespace, an empty list or an empty map.
// Numbers, booleans and times are never empty.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	case []string:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case bool, int, float64, time.Time:
		return false
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		return rv.IsNil()
	case reflect.Slice, reflect.Map:
		return rv.IsNil() || rv.Len() == 0
	case reflect.Array:
		return rv.Len() == 0
	}
	return false
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case int, int64, int32, float64, float32, json.Number:
		return "number"
	case []any, []string:
		return "list"
	case map[string]any:
		return "map"
	case time.Time:
		return "time"
	}
	return fmt.Sprintf("%T", v)
}
