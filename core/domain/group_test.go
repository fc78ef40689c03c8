package domain_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// fields lists the fields an invalid error names, or nil when err is nil.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e, ok := domain.AsError(err)
	if !ok || e.Kind != domain.KindInvalid || e.Code != domain.CodeInvalidRequest {
		t.Fatalf("want an invalid_request error, got %#v", err)
	}
	var out []string
	for _, d := range e.Details {
		out = append(out, d.Field)
	}
	return out
}

func TestValidateGroup(t *testing.T) {
	tests := []struct {
		name, inName, inDesc string
		wantName, wantDesc   string
		wantFields           []string
	}{
		{name: "plain", inName: "VIP", inDesc: "Paying customers", wantName: "VIP", wantDesc: "Paying customers"},
		{name: "trimmed", inName: "  VIP \t", inDesc: " d ", wantName: "VIP", wantDesc: "d"},
		{name: "no description", inName: "VIP", wantName: "VIP"},
		{name: "missing name", inName: "", wantFields: []string{"name"}},
		{name: "blank name", inName: " \t\n", wantFields: []string{"name"}},
		{name: "128-char name", inName: strings.Repeat("n", 128), wantName: strings.Repeat("n", 128)},
		{name: "129-char name", inName: strings.Repeat("n", 129), wantFields: []string{"name"}},
		{name: "128 multibyte characters", inName: strings.Repeat("组", 128), inDesc: strings.Repeat("描", 128),
			wantName: strings.Repeat("组", 128), wantDesc: strings.Repeat("描", 128)},
		{name: "129 multibyte characters", inName: strings.Repeat("组", 129), wantFields: []string{"name"}},
		{name: "128-char name padded", inName: "  " + strings.Repeat("n", 128) + "  ", wantName: strings.Repeat("n", 128)},
		{name: "129-char description", inName: "VIP", inDesc: strings.Repeat("d", 129), wantFields: []string{"description"}},
		{name: "both wrong", inName: "", inDesc: strings.Repeat("d", 129), wantFields: []string{"name", "description"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotName, gotDesc, err := domain.ValidateGroup(tt.inName, tt.inDesc)
			if got := fields(t, err); !slices.Equal(got, tt.wantFields) {
				t.Fatalf("fields = %v, want %v (err %v)", got, tt.wantFields, err)
			}
			if err == nil && (gotName != tt.wantName || gotDesc != tt.wantDesc) {
				t.Fatalf("got (%q, %q), want (%q, %q)", gotName, gotDesc, tt.wantName, tt.wantDesc)
			}
			// The single-field validators agree with the combined one.
			n, nerr := domain.ValidateGroupName(tt.inName)
			d, derr := domain.ValidateGroupDescription(tt.inDesc)
			if (nerr == nil) != !slices.Contains(tt.wantFields, "name") || (derr == nil) != !slices.Contains(tt.wantFields, "description") {
				t.Fatalf("single validators disagree: %v / %v", nerr, derr)
			}
			if err == nil && (n != gotName || d != gotDesc) {
				t.Fatalf("single validators normalise differently: %q %q", n, d)
			}
		})
	}
}

func TestValidateIDBatch(t *testing.T) {
	many := func(n int) []string {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = "id" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i/26)
		}
		return ids
	}
	tests := []struct {
		name       string
		in         []string
		want       []string
		wantFields []string
	}{
		{name: "one", in: []string{"a"}, want: []string{"a"}},
		{name: "duplicates dropped in order", in: []string{"b", "a", "b", "a"}, want: []string{"b", "a"}},
		{name: "trimmed before deduplication", in: []string{" a", "a ", "b"}, want: []string{"a", "b"}},
		{name: "nil", in: nil, wantFields: []string{"ids"}},
		{name: "empty", in: []string{}, wantFields: []string{"ids"}},
		{name: "100", in: many(100), want: many(100)},
		{name: "101", in: many(101), wantFields: []string{"ids"}},
		{name: "blank id", in: []string{"a", " "}, wantFields: []string{"ids[1]"}},
		{name: "empty id", in: []string{""}, wantFields: []string{"ids[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ValidateIDBatch("ids", tt.in)
			if f := fields(t, err); !slices.Equal(f, tt.wantFields) {
				t.Fatalf("fields = %v, want %v (err %v)", f, tt.wantFields, err)
			}
			if err == nil && !slices.Equal(got, tt.want) {
				t.Fatalf("ids = %v, want %v", got, tt.want)
			}
		})
	}
}
