package domain_test

import (
	"errors"
	"math"
	"testing"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"13612345678":       "+8613612345678",
		" 136-1234-5678 ":   "+8613612345678",
		"+8613612345678":    "+8613612345678",
		"+1 (415) 555-0100": "+14155550100",
		"+447911123456":     "+447911123456",
	} {
		got, err := domain.NormalizePhone(in)
		if err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12345", "1361234567a", "abc", "23612345678", "1261234567", "+0123456789", "+86123",
		"+8612612345678", "136123456789", "++8613612345678", "1+3612345678", "+1234567890123456"} {
		if _, err := domain.NormalizePhone(in); !errors.Is(err, domain.ErrMalformedPhone) {
			t.Errorf("NormalizePhone(%q) accepted or wrong error: %v", in, err)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	if got, err := domain.NormalizeEmail(" Alice@Example.COM "); err != nil || got != "alice@example.com" {
		t.Fatalf("got %q %v", got, err)
	}
	if got, err := domain.NormalizeEmail("用户@例子.广告"); err != nil || got != "用户@例子.广告" {
		t.Errorf("an internationalized address: %q %v", got, err)
	}
	for _, in := range []string{"", "alice", "alice@", "@example.com", "Alice <alice@example.com>", "a@b", "a@b.", "a b@c.com",
		"a@\uFFFD.com", "a@exa_mple.com", "a@-example.com", "a@example..com"} {
		if _, err := domain.NormalizeEmail(in); !errors.Is(err, domain.ErrMalformedEmail) {
			t.Errorf("NormalizeEmail(%q) accepted: %v", in, err)
		}
	}
}

func TestSniffImage(t *testing.T) {
	if ct, err := domain.SniffImage("logo", []byte("\x89PNG\r\n\x1a\n...")); err != nil || ct != "image/png" {
		t.Fatal(ct, err)
	}
	if ct, err := domain.SniffImage("logo", []byte{0xFF, 0xD8, 0xFF, 0xDB}); err != nil || ct != "image/jpeg" {
		t.Fatal(ct, err)
	}
	for name, data := range map[string][]byte{"gif": []byte("GIF89a"), "empty": nil, "svg": []byte("<svg/>"),
		"big": append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, domain.MaxImageBytes)...)} {
		_, err := domain.SniffImage("logo", data)
		e, ok := domain.AsError(err)
		if !ok || e.Kind != domain.KindInvalid || len(e.Details) != 1 || e.Details[0].Field != "logo" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestErrorIsMatchesCode(t *testing.T) {
	err := domain.NotFound("user")
	if !errors.Is(err, domain.ErrNotFound) || errors.Is(err, domain.ErrConflict) {
		t.Fatal("errors.Is does not follow codes")
	}
	if domain.KindOf(errors.New("x")) != domain.KindInternal || domain.CodeOf(errors.New("x")) != domain.CodeInternal {
		t.Fatal("plain errors must be internal")
	}
}

func TestPageNormalize(t *testing.T) {
	p, err := domain.Page{}.Normalize()
	if err != nil || p.Number != 1 || p.Size != domain.DefaultPageSize {
		t.Fatal(p, err)
	}
	if _, err := (domain.Page{Number: 1, Size: 101}).Normalize(); err == nil {
		t.Fatal("page size 101 accepted")
	}
	if got := (domain.Page{Number: 3, Size: 10}).Offset(); got != 20 {
		t.Fatal(got)
	}
	// A page number far enough out would wrap the offset around and serve another page.
	if p, err := (domain.Page{Number: domain.MaxPageNumber, Size: domain.MaxPageSize}).Normalize(); err != nil || p.Offset() <= 0 {
		t.Fatal(p, err)
	}
	for _, n := range []int{-1, domain.MaxPageNumber + 1, math.MaxInt} {
		if _, err := (domain.Page{Number: n}).Normalize(); domain.KindOf(err) != domain.KindInvalid {
			t.Errorf("page %d: %v, want invalid", n, err)
		}
	}
}

// FuzzNormalizePhone: the normaliser never panics, and what it accepts is E.164 and stable.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"13612345678", "+8613612345678", "+1 (415) 555-0100", "abc", "+", "", "1-3-6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := domain.NormalizePhone(in)
		if err != nil {
			if !errors.Is(err, domain.ErrMalformedPhone) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(out) < 9 || len(out) > 16 || out[0] != '+' {
			t.Fatalf("%q normalised to %q, not E.164", in, out)
		}
		for _, r := range out[1:] {
			if r < '0' || r > '9' {
				t.Fatalf("%q normalised to %q with a non-digit", in, out)
			}
		}
		again, err := domain.NormalizePhone(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", in, out, again, err)
		}
	})
}
