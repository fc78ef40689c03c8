package storage

import (
	"reflect"
	"sync"
)

// deepCopy returns a copy of v that shares no memory a caller could change through it: every
// pointer, slice, map and interface reachable through v's exported fields is copied too. The
// read cache keeps decoded configuration and hands each reader its own copy, which costs a
// fraction of decoding the row's JSON again on every hit.
//
// Unexported fields are copied as they are (time.Time's location, say): domain values keep
// nothing mutable there. Map keys, functions and channels are shared.
func deepCopy[T any](v T) T {
	src := reflect.ValueOf(&v).Elem()
	copyFn := copierOf(src.Type())
	if copyFn == nil {
		return v
	}
	var out T
	copyFn(reflect.ValueOf(&out).Elem(), src)
	return out
}

// copier sets dst, a settable value of src's type, to a deep copy of src.
type copier func(dst, src reflect.Value)

// copiers holds each type's copier, nil for a type a plain assignment copies deeply enough.
var copiers sync.Map // reflect.Type → copier

func copierOf(t reflect.Type) copier {
	if c, ok := copiers.Load(t); ok {
		return c.(copier)
	}
	c := buildCopier(t, map[reflect.Type]*copier{})
	copiers.Store(t, c)
	return c
}

// buildCopier plans the copy of t once, so a copy walks no type information. building holds
// the types being planned, for types that refer to themselves.
func buildCopier(t reflect.Type, building map[reflect.Type]*copier) copier {
	if c, ok := building[t]; ok {
		return func(dst, src reflect.Value) { (*c)(dst, src) }
	}
	var c copier
	building[t] = &c
	defer delete(building, t)
	switch t.Kind() {
	case reflect.Pointer:
		elem := buildCopier(t.Elem(), building)
		c = func(dst, src reflect.Value) {
			if src.IsNil() {
				return
			}
			dst.Set(copied(elem, src.Elem()).Addr())
		}
	case reflect.Interface:
		c = func(dst, src reflect.Value) {
			if src.IsNil() {
				return
			}
			inner := src.Elem()
			dst.Set(copied(copierOf(inner.Type()), inner))
		}
	case reflect.Slice:
		elem := buildCopier(t.Elem(), building)
		c = func(dst, src reflect.Value) {
			if src.IsNil() {
				return
			}
			s := reflect.MakeSlice(t, src.Len(), src.Len())
			if elem == nil {
				reflect.Copy(s, src)
			} else {
				for i := range src.Len() {
					elem(s.Index(i), src.Index(i))
				}
			}
			dst.Set(s)
		}
	case reflect.Map:
		// Keys are kept as they are: a map cannot change them, and a copied pointer key would
		// no longer find its entry.
		elem := buildCopier(t.Elem(), building)
		c = func(dst, src reflect.Value) {
			if src.IsNil() {
				return
			}
			m := reflect.MakeMapWithSize(t, src.Len())
			for it := src.MapRange(); it.Next(); {
				v := it.Value()
				if elem != nil {
					v = copied(elem, v)
				}
				m.SetMapIndex(it.Key(), v)
			}
			dst.Set(m)
		}
	case reflect.Array:
		elem := buildCopier(t.Elem(), building)
		if elem != nil {
			c = func(dst, src reflect.Value) {
				for i := range src.Len() {
					elem(dst.Index(i), src.Index(i))
				}
			}
		}
	case reflect.Struct:
		type fieldCopier struct {
			index int
			copy  copier
		}
		var fields []fieldCopier
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				if fc := buildCopier(f.Type, building); fc != nil {
					fields = append(fields, fieldCopier{i, fc})
				}
			}
		}
		if len(fields) > 0 {
			c = func(dst, src reflect.Value) {
				dst.Set(src) // the unexported fields, and those without references
				for _, f := range fields {
					f.copy(dst.Field(f.index), src.Field(f.index))
				}
			}
		}
	}
	return c
}

// copied returns a new addressable value holding a deep copy of v made by c (a plain copy when
// c is nil).
func copied(c copier, v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	if c == nil {
		out.Set(v)
	} else {
		c(out, v)
	}
	return out
}
