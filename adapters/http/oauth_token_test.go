package httpapi

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// decodeTokenRequest is parseTokenRequest on a body already read.
func decodeTokenRequest(mediaType string, body []byte) (*tokenRequest, error) {
	p, err := decodeOAuthParams(mediaType, body)
	if err != nil {
		return nil, err
	}
	return tokenRequestOf(p)
}

func TestDecodeTokenRequest(t *testing.T) {
	json := `{"grant_type":"http://tencentciam.com/oauth2/grant-type/otp/sms","client_id":"c","auth_source_id":"s",
		"phone_number":"13612345678","otp_token":"t","otp":"123456","auto_signup":"true","unknown":"ignored"}`
	req, err := decodeTokenRequest("application/json", []byte(json))
	if err != nil || req.GrantType != "http://tencentciam.com/oauth2/grant-type/otp/sms" || !req.AutoSignup || req.OTP != "123456" {
		t.Fatalf("json: %+v %v", req, err)
	}
	form := "grant_type=refresh_token&refresh_token=r%2Bx&client_id=c&auto_signup=false"
	req, err = decodeTokenRequest("application/x-www-form-urlencoded", []byte(form))
	if err != nil || req.RefreshToken != "r+x" || req.AutoSignup {
		t.Fatalf("form: %+v %v", req, err)
	}
	// JSON takes booleans as their words and null as absent; names match exactly, as in a form.
	req, err = decodeTokenRequest("application/json", []byte(`{"grant_type":"x","auto_signup":true,"scope":null,"Scope":"y"}`))
	if err != nil || !req.AutoSignup || req.Scope != "" {
		t.Fatalf("json values: %+v %v", req, err)
	}
	// Numbers are their JSON text; objects and arrays are no parameter's values and are ignored,
	// as an unrecognised parameter is, so a required one given that way is missing.
	req, err = decodeTokenRequest("application/json", []byte(`{"grant_type":"x","otp":123456,"phone_number":13612345678,"extra":{"a":[1]},"more":[true]}`))
	if err != nil || req.OTP != "123456" || req.PhoneNumber != "13612345678" {
		t.Fatalf("json numbers and unknown structures: %+v %v", req, err)
	}
	if _, err := decodeTokenRequest("application/json", []byte(`{"grant_type":{"a":"b"}}`)); domain.CodeOf(err) != domain.CodeInvalidRequest ||
		!strings.Contains(err.Error(), "grant_type") {
		t.Fatalf("a grant type given as an object: %v, want invalid_request naming grant_type", err)
	}
	for name, tc := range map[string]struct{ media, body string }{
		"no grant type":     {"application/json", `{"client_id":"c"}`},
		"json array":        {"application/json", `[1]`},
		"bad auto_signup":   {"application/json", `{"grant_type":"x","auto_signup":"maybe"}`},
		"repeated param":    {"application/x-www-form-urlencoded", "grant_type=a&grant_type=b"},
		"bad form encoding": {"application/x-www-form-urlencoded", "grant_type=%zz"},
		"text body":         {"text/plain", "grant_type=a"},
		"json null":         {"application/json", `null`},
		"trailing data":     {"application/json", `{"grant_type":"x"} {}`},
		"trailing garbage":  {"application/json", `{"grant_type":"x"}]`},
		"repeated json key": {"application/json", `{"grant_type":"x","otp":"1","otp":"2"}`},
		"repeated as null":  {"application/json", `{"grant_type":"x","otp":null,"otp":"2"}`},
		"unclosed object":   {"application/json", `{"grant_type":"x"`},
		"key without value": {"application/json", `{"grant_type":"x","otp"}`},
		"bad form boolean":  {"application/x-www-form-urlencoded", "grant_type=x&auto_signup=maybe"},
	} {
		if _, err := decodeTokenRequest(tc.media, []byte(tc.body)); domain.CodeOf(err) != domain.CodeInvalidRequest {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestClientCredentialsFromBasicAuth(t *testing.T) {
	r := httptest.NewRequest("POST", "/oauth2/token", nil)
	r.SetBasicAuth("client%3Aone", "s%40cret%3A")
	id, secret, err := clientCredentials(r, "", "")
	if err != nil || id != "client:one" || secret != "s@cret:" {
		t.Fatalf("basic: %q %q %v", id, secret, err)
	}
	if _, _, err := clientCredentials(r, "other", ""); err == nil {
		t.Fatal("a body client_id differing from Basic auth was accepted")
	}
	// The body repeats the client_id as it is, not URL-encoded as in the header.
	if id, _, err := clientCredentials(r, "client:one", ""); err != nil || id != "client:one" {
		t.Fatalf("the body's client_id naming the Basic auth client: %q %v", id, err)
	}
	if _, _, err := clientCredentials(r, "client%3Aone", ""); domain.CodeOf(err) != domain.CodeInvalidRequest {
		t.Fatalf("a body client_id naming another client: %v", err)
	}
	r = httptest.NewRequest("POST", "/oauth2/token", nil)
	if _, _, err := clientCredentials(r, "", ""); domain.CodeOf(err) != "invalid_client" {
		t.Fatalf("no client: %v", err)
	}
	if id, secret, _ := clientCredentials(r, "c", "s"); id != "c" || secret != "s" {
		t.Fatal("body credentials ignored")
	}
}

// FuzzDecodeTokenRequest: no body, in either encoding, makes the parser panic or accept a request
// without a grant type; every refusal is an invalid_request.
func FuzzDecodeTokenRequest(f *testing.F) {
	f.Add("application/json", `{"grant_type":"refresh_token","refresh_token":"x"}`)
	f.Add("application/json", `{"grant_type":"x","auto_signup":true}`)
	f.Add("application/x-www-form-urlencoded", "grant_type=client_credentials&scope=a+b")
	f.Add("application/x-www-form-urlencoded", "%")
	f.Add("application/json", `{"grant_type":"x","otp":1,"otp":2}`)
	f.Fuzz(func(t *testing.T, media, body string) {
		if media == "application/json" && len(body) <= maxTokenBody { // the endpoints read no more
			// The parameter reader walks the JSON itself: it must accept exactly the objects the
			// standard decoder accepts, bar those naming a parameter twice, and read the same
			// values from them.
			params, perr := parseOAuthJSON([]byte(body))
			var obj map[string]json.RawMessage
			valid := json.Unmarshal([]byte(body), &obj) == nil && obj != nil
			if repeated := perr != nil && strings.Contains(perr.Error(), "is repeated"); valid != (perr == nil || repeated) {
				t.Fatalf("body %q: parameter reader says %v, standard decoder valid=%v", body, perr, valid)
			}
			if perr == nil {
				for name, raw := range obj {
					var want string
					switch raw[0] {
					case 'n', '{', '[':
						if params.Has(name) {
							t.Fatalf("body %q: %s read as %q, want absent", body, name, params.Get(name))
						}
						continue
					case '"':
						_ = json.Unmarshal(raw, &want)
					default:
						want = string(raw)
					}
					if got := params.Get(name); got != want || len(params[name]) != 1 {
						t.Fatalf("body %q: %s read as %q, want %q", body, name, params[name], want)
					}
				}
			}
		}
		req, err := decodeTokenRequest(media, []byte(body))
		if err != nil {
			if domain.CodeOf(err) != domain.CodeInvalidRequest {
				t.Fatalf("refusal with code %q", domain.CodeOf(err))
			}
			return
		}
		if req.GrantType == "" {
			t.Fatal("accepted without grant_type")
		}
	})
}
