package httpapi

import "testing"

func TestGroupMemberMasking(t *testing.T) {
	emails := map[string]string{
		"alice@example.com": "a***@example.com",
		"a@example.com":     "a***@example.com",
		"张三@example.cn":     "张***@example.cn",
		"@example.com":      "***@example.com",
		"no-at-sign":        "***",
	}
	for in, want := range emails {
		if got := groupMaskEmail(in); got != want {
			t.Errorf("groupMaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
	phones := map[string]string{
		"+8613812345678": "+86138****5678",
		"+14155552671":   "+141****2671",
		"+1234567":       "****4567",
		"+123456":        "*****56",
		"12":             "**",
		"":               "",
	}
	for in, want := range phones {
		if got := groupMaskPhone(in); got != want {
			t.Errorf("groupMaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}
