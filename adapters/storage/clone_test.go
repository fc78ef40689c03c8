package storage

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

type cloneSample struct {
	Name    string
	When    time.Time
	Ptr     *int
	Nested  map[string]any
	List    []cloneInner
	Fixed   [2][]byte
	Missing []string // nil stays nil
	hidden  *int     // unexported: shared as it is
}

type cloneInner struct {
	Tags  []string
	Plain int
}

func TestDeepCopySharesNothingReachable(t *testing.T) {
	one, two := 1, 2
	orig := cloneSample{Name: "a", When: time.Unix(5, 0).UTC(), Ptr: &one,
		Nested: map[string]any{"m": map[string]any{"k": "v"}, "s": []any{"x", map[string]any{"y": 1.0}}},
		List:   []cloneInner{{Tags: []string{"t"}, Plain: 3}}, Fixed: [2][]byte{{1}, {2}}, hidden: &two}
	want := deepCopy(orig)
	if !reflect.DeepEqual(want, orig) {
		t.Fatalf("copy differs:\n got %+v\nwant %+v", want, orig)
	}
	if want.Missing != nil || want.hidden != orig.hidden {
		t.Fatalf("nil slice or unexported field not kept as it was: %+v", want)
	}
	c := deepCopy(orig)
	*c.Ptr = 9
	c.Nested["m"].(map[string]any)["k"] = "changed"
	c.Nested["s"].([]any)[0] = "changed"
	c.Nested["s"].([]any)[1].(map[string]any)["y"] = 2.0
	c.List[0].Tags[0], c.List[0].Plain = "changed", 4
	c.Fixed[0][0] = 9
	if !reflect.DeepEqual(orig, want) {
		t.Fatalf("changing the copy changed the original:\n got %+v\nwant %+v", orig, want)
	}
}

func TestDeepCopyOfValuesWithoutReferencesIsTheValue(t *testing.T) {
	type flat struct {
		N    int
		When time.Time
	}
	v := flat{N: 1, When: time.Unix(1, 0)}
	if got := deepCopy(v); got != v {
		t.Fatalf("got %+v, want %+v", got, v)
	}
	if got := deepCopy[*flat](nil); got != nil {
		t.Fatalf("nil pointer copied to %+v", got)
	}
}

type cloneNode struct {
	Name string
	Next *cloneNode
	Keys map[*int]string
}

func TestDeepCopyOfARecursiveTypeKeepsMapKeys(t *testing.T) {
	k := new(int)
	list := &cloneNode{Name: "a", Next: &cloneNode{Name: "b", Next: &cloneNode{Name: "c"}}, Keys: map[*int]string{k: "v"}}
	c := deepCopy(list)
	c.Next.Next.Name = "changed"
	if list.Next.Next.Name != "c" || c.Next.Next == list.Next.Next {
		t.Fatalf("the copy shares its list's nodes")
	}
	if c.Keys[k] != "v" {
		t.Fatalf("a pointer key no longer finds its entry: %v", c.Keys)
	}
}

// BenchmarkCachedApplication compares what a cache hit costs: a deep copy of the decoded
// application against decoding its row again.
func BenchmarkCachedApplication(b *testing.B) {
	p := domain.DefaultProcess()
	p.Login.PreferredSourceID, p.Login.AssociatedSourceIDs = "s1", []string{"s2", "s3"}
	app := &domain.Application{ID: "a1", PoolID: "p1", Type: "web", Name: "Web", ClientID: "c", SecretHash: "h",
		Enabled: true, RedirectURIs: []string{"https://a.example/cb"}, LogoutRedirectURIs: []string{}, AccessTokenTTL: 7200,
		SigningAlg: "ES256", Claims: []string{"email", "phone_number"}, Process: p, CORSOrigins: []string{"https://a.example"}}
	row := applicationToRow(app)
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := row.app(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("deep-copy", func(b *testing.B) {
		for b.Loop() {
			_ = deepCopy(app)
		}
	})
	raw, _ := json.Marshal(app)
	b.ReportMetric(float64(len(raw)), "json-bytes")
}
