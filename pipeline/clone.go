package pipeline

import (
	"fmt"
	"reflect"
	"sync"
)

// Clone returns a deep copy of p: the copy shares no pointer, slice or map
// with p, so that either may be changed without the other (a parsed
// definition is kept and handed out again; see the API's definition cache).
func (p *Project) Clone() *Project {
	if p == nil {
		return nil
	}
	c := new(Project)
	copyInto(reflect.ValueOf(c).Elem(), reflect.ValueOf(p).Elem())
	return c
}

// deepCopy returns a copy of v and everything it points to.
func deepCopy(v reflect.Value) reflect.Value {
	c := reflect.New(v.Type()).Elem()
	copyInto(c, v)
	return c
}

// copyInto sets dst (settable, of src's type) to a deep copy of src. A
// struct is copied whole, then each of its fields that holds a pointer, a
// slice or a map is copied again deeply: the API clones a cached
// definition for every build it starts, and visiting every scalar field
// on its own cost several times as much.
func copyInto(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		c := reflect.New(src.Type().Elem())
		copyInto(c.Elem(), src.Elem())
		dst.Set(c)
	case reflect.Struct:
		dst.Set(src)
		for _, i := range cloneInfoOf(src.Type()).refFields {
			copyInto(dst.Field(i), src.Field(i))
		}
	case reflect.Slice:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		c := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		if holdsRefs(src.Type().Elem()) {
			for i := range src.Len() {
				copyInto(c.Index(i), src.Index(i))
			}
		} else {
			reflect.Copy(c, src)
		}
		dst.Set(c)
	case reflect.Map:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		t := src.Type()
		c := reflect.MakeMapWithSize(t, src.Len())
		k, e := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
		for it := src.MapRange(); it.Next(); {
			// SetMapIndex stores copies of k and e, which the next
			// entry may then overwrite.
			copyInto(k, it.Key())
			copyInto(e, it.Value())
			c.SetMapIndex(k, e)
		}
		dst.Set(c)
	default: // a scalar: holdsRefs panics on any other kind
		_ = holdsRefs(src.Type())
		dst.Set(src)
	}
}

// holdsRefs reports whether a value of type t holds a pointer, a slice or
// a map.
func holdsRefs(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return true
	case reflect.Struct:
		return len(cloneInfoOf(t).refFields) > 0
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	}
	panic(fmt.Sprintf("pipeline: cannot clone a %s", t))
}

// cloneInfo is which fields of a struct type hold a pointer, a slice or a
// map (holdsRefs), for copyInto.
type cloneInfo struct {
	refFields []int
}

var cloneInfos sync.Map // reflect.Type of a struct → *cloneInfo

// cloneInfoOf returns the cloneInfo of struct type t. Definitions hold
// exported fields of structs, pointers, slices, maps and scalars only; any
// other kind (an interface, an array, a func...) or an unexported field
// panics rather than being shared, so that a field of a kind not handled
// here fails TestProjectClone.
func cloneInfoOf(t reflect.Type) *cloneInfo {
	if v, ok := cloneInfos.Load(t); ok {
		return v.(*cloneInfo)
	}
	info := &cloneInfo{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			panic(fmt.Sprintf("pipeline: cannot clone %s's unexported field %s", t, f.Name))
		}
		// A pointer, slice or map's element is looked at when one is
		// copied, so that a type that refers to itself is not followed
		// forever.
		if holdsRefs(f.Type) {
			info.refFields = append(info.refFields, i)
		}
	}
	v, _ := cloneInfos.LoadOrStore(t, info)
	return v.(*cloneInfo)
}
