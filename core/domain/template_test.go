package domain

import (
	"errors"
	"reflect"
	"testing"
)

func TestResolveTemplate(t *testing.T) {
	tpl := func(usage, locale string) MessageTemplate {
		return MessageTemplate{Usage: usage, Locale: locale, ID: usage + "/" + locale}
	}
	all := []MessageTemplate{
		tpl("login", "fr"), tpl("login", "en"), tpl("login", ""),
		tpl("signup", ""),
		tpl("generic", "de"), tpl("generic", "en"), tpl("generic", ""),
	}
	tests := []struct {
		name                 string
		templates            []MessageTemplate
		usage, locale, deflt string
		want                 string
		ok                   bool
	}{
		{"exact usage and locale", all, "login", "fr", "en", "login/fr", true},
		{"usage in default locale", all, "login", "it", "en", "login/en", true},
		{"usage without locale", all, "login", "it", "pt", "login/", true},
		{"usage without locale beats generic exact", all, "signup", "de", "en", "signup/", true},
		{"generic exact locale", all, "mfa", "de", "en", "generic/de", true},
		{"generic default locale", all, "mfa", "it", "en", "generic/en", true},
		{"generic without locale", all, "mfa", "it", "pt", "generic/", true},
		{"empty locale asks for locale-less", all, "login", "", "", "login/", true},
		{"nothing", []MessageTemplate{tpl("login", "fr")}, "signup", "fr", "en", "", false},
		{"other locale only is not a match", []MessageTemplate{tpl("login", "fr")}, "login", "en", "de", "", false},
		{"no templates", nil, "login", "en", "en", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ResolveTemplate(tt.templates, tt.usage, tt.locale, tt.deflt)
			if ok != tt.ok || got.ID != tt.want {
				t.Fatalf("ResolveTemplate = %q, %v; want %q, %v", got.ID, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestValidateTemplates(t *testing.T) {
	sms := ConnectorType{Name: "mocksms", Channel: ChannelSMS, TemplateKind: TemplateKindProvider,
		Usages: []string{UsageLogin, UsageSignup, UsageGeneric}, Placeholders: []string{"code", "ttl_minutes"}}
	email := ConnectorType{Name: "mockemail", Channel: ChannelEmail, TemplateKind: TemplateKindContent,
		Usages: CanonicalUsages, Placeholders: []string{"code", "ttl_minutes", "app_name"}}

	tests := []struct {
		name      string
		typ       ConnectorType
		templates []MessageTemplate
		want      []FieldError // nil: valid
	}{
		{"valid provider", sms, []MessageTemplate{
			{Usage: "login", ID: "1001", Params: []string{"code", "ttl_minutes"}},
			{Usage: "login", Locale: "en", ID: "1002", Params: []string{"code"}},
			{Usage: "generic", ID: "1003"},
		}, nil},
		{"valid content", email, []MessageTemplate{
			{Usage: "login", Subject: "{{.app_name}} code", Body: "Code {{.code}}, valid {{.ttl_minutes}} min", HTMLBody: "<b>{{.code}}</b>"},
			{Usage: "mfa", Subject: "x", Body: `{{if .code}}{{.code}}{{else}}none{{end}}{{range $i, $c := .code}}{{$c}}{{end}}`},
		}, nil},
		{"html body that does not render", email, []MessageTemplate{
			{Usage: "login", Subject: "x", Body: "Code {{.code}}", HTMLBody: `<p title="{{.code}}>Your code</p>`},
		}, []FieldError{{"templates[0].html_body", "does not render as HTML: ends in a non-text context (an unclosed quote, tag or comment?)"}}},
		{"unknown usage", sms, []MessageTemplate{{Usage: "Register", ID: "1"}},
			[]FieldError{{"templates[0].usage", `unknown usage "Register"`}}},
		{"usage not supported by type", sms, []MessageTemplate{{Usage: "mfa", ID: "1"}},
			[]FieldError{{"templates[0].usage", `connector type mocksms does not support usage "mfa"`}}},
		{"duplicate usage and locale", sms, []MessageTemplate{{Usage: "login", Locale: "en", ID: "1"}, {Usage: "login", Locale: "en", ID: "2"}},
			[]FieldError{{"templates[1].locale", "duplicates templates[0] (same usage and locale)"}}},
		{"provider without id", sms, []MessageTemplate{{Usage: "login", ID: " "}},
			[]FieldError{{"templates[0].id", "required for provider templates"}}},
		{"provider unknown param", sms, []MessageTemplate{{Usage: "login", ID: "1", Params: []string{"code", "otp"}}},
			[]FieldError{{"templates[0].params[1]", `unknown placeholder "otp"`}}},
		{"email without subject or body", email, []MessageTemplate{{Usage: "login"}},
			[]FieldError{{"templates[0].subject", "required for email templates"}, {"templates[0].body", "required"}}},
		{"content unknown variable", email, []MessageTemplate{{Usage: "login", Subject: "{{.username}}", Body: "{{.code}} {{.secret_thing}} {{.secret_thing}}", HTMLBody: "{{with .nope}}x{{end}}"}},
			[]FieldError{
				{"templates[0].subject", `unknown placeholder "username"`},
				{"templates[0].body", `unknown placeholder "secret_thing"`},
				{"templates[0].html_body", `unknown placeholder "nope"`},
			}},
		{"content does not parse", email, []MessageTemplate{{Usage: "login", Subject: "s", Body: "{{.code"}},
			[]FieldError{{"templates[0].body", "does not parse: 1: unclosed action"}}},
		{"sms content needs body", ConnectorType{Name: "x", Channel: ChannelSMS, TemplateKind: TemplateKindContent, Usages: []string{"login"}},
			[]MessageTemplate{{Usage: "login"}},
			[]FieldError{{"templates[0].body", "required"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateTemplates(tt.typ, tt.templates)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ValidateTemplates = %v, want nil", err)
				}
				return
			}
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("ValidateTemplates = %v, want *Error", err)
			}
			if de.Kind != KindInvalid || de.Code != CodeInvalidTemplate {
				t.Errorf("kind, code = %v, %s; want invalid, %s", de.Kind, de.Code, CodeInvalidTemplate)
			}
			if !reflect.DeepEqual(de.Details, tt.want) {
				t.Errorf("details = %+v\nwant      %+v", de.Details, tt.want)
			}
		})
	}
}

func TestConnectorErrorReachable(t *testing.T) {
	err := error(&Error{Kind: KindRateLimited, Code: CodeConnectorRateLimited, Cause: &ConnectorError{Kind: ConnectorRateLimited, ProviderCode: "LimitExceeded"}})
	var ce *ConnectorError
	if !errors.As(err, &ce) || ce.ProviderCode != "LimitExceeded" {
		t.Fatalf("errors.As ConnectorError = %v", ce)
	}
}
