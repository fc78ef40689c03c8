package domain

import (
	"fmt"
	"slices"
	"sort"
	"text/template"
	"time"
)

// MessageSettings say which connector instance carries a pool's SMS and which its email, and
// the pool's own templates per usage (tried before the connector's). A pool without a connector
// for a channel uses the platform's default connector under a free quota.
type MessageSettings struct {
	PoolID           string
	SMSConnectorID   string
	EmailConnectorID string
	SMSTemplates     []MessageTemplate
	EmailTemplates   []MessageTemplate
	UpdatedAt        time.Time
}

// Quota codes of the seed's /otp/send.
const (
	CodeInsufficientSMSQuota   = "insufficient_sms_quota"
	CodeInsufficientEmailQuota = "insufficient_email_quota"
)

// InsufficientQuota is the error for a pool past its free quota on channel.
func InsufficientQuota(channel string) *Error {
	if channel == ChannelSMS {
		return Invalid(CodeInsufficientSMSQuota, "The pool's free SMS quota is used up; configure its own SMS connector.")
	}
	return Invalid(CodeInsufficientEmailQuota, "The pool's free email quota is used up; configure its own email connector.")
}

// Variable name groups of the guide's email template rules: synonyms that fill the same role.
var (
	codeVars = []string{"otp", "code", "mailverifycode"}
	timeVars = []string{"time", "ttl_seconds", "ttl_minutes"}
	nameVars = []string{"name", "username"}
)

// emailTemplateRoles is, per usage, which roles an email template must use and no others: a
// verification code template uses exactly a code and a time; reset password a name, a code and
// a time; retrieve username only a name.
func emailTemplateRoles(usage string) [][]string {
	switch usage {
	case UsageResetPassword:
		return [][]string{nameVars, codeVars, timeVars}
	case UsageRetrieveUsername:
		return [][]string{nameVars}
	default:
		return [][]string{codeVars, timeVars}
	}
}

// CheckEmailTemplates applies the guide's email template rules to templates, each judged by the
// variables it uses (TemplateVariables), reporting problems as field[i].
func CheckEmailTemplates(field string, templates []MessageTemplate) error {
	var p Problems
	for i, t := range templates {
		roles := emailTemplateRoles(t.Usage)
		used := map[int]bool{}
		for _, v := range TemplateVariables(t) {
			role := -1
			for r, group := range roles {
				if slices.Contains(group, v) {
					role = r
				}
			}
			if role < 0 {
				p.Add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("a %s email template may not use the variable %q", t.Usage, v))
				continue
			}
			used[role] = true
		}
		for r, group := range roles {
			if !used[r] {
				p.Add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("a %s email template must use one of %v", t.Usage, group))
			}
		}
	}
	return p.Err()
}

// TemplateVariables lists the variables a template uses: the params of a provider template, or
// the fields its subject and bodies reference.
func TemplateVariables(t MessageTemplate) []string {
	seen := map[string]bool{}
	for _, v := range t.Params {
		seen[v] = true
	}
	for _, src := range []string{t.Subject, t.Body, t.HTMLBody} {
		for _, v := range contentFields(src) {
			seen[v] = true
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// contentFields lists the variables a Go template source references; a source that does not
// parse yields none (ValidateTemplates reports it).
func contentFields(src string) []string {
	if src == "" {
		return nil
	}
	tree, err := template.New("t").Parse(src)
	if err != nil {
		return nil
	}
	return templateFields(tree.Tree.Root)
}
