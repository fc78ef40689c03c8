package tencentcloud

import (
	"reflect"
	"testing"

	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

func TestTemplateValuesFollowTheTemplate(t *testing.T) {
	msg := connector.Message{
		Template:  connector.Template{ID: "1234", Params: []string{"ttl_minutes", "code"}},
		Variables: map[string]string{"code": "482913", "ttl_minutes": "5", "app_name": "Shop"},
	}
	got, err := TemplateValues(msg)
	if err != nil || !reflect.DeepEqual(got, []string{"5", "482913"}) {
		t.Fatalf("values %v, %v", got, err)
	}
	msg.Template.Params = append(msg.Template.Params, "nonce")
	e := connector.AsError(func() error { _, err := TemplateValues(msg); return err }())
	if e == nil || e.Kind != connector.KindInvalidConfig || len(e.Fields) != 1 || e.Fields[0].Reason != "unknown variable nonce" {
		t.Fatalf("a variable the message lacks: %v", e)
	}
}
