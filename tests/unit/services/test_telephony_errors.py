from bot.core.domain import InvalidArgument, ServiceFailure
from bot.services.telephony_errors import explain


def test_a_fault_string_is_shown_escaped():
    hostile = "<!channel> see <https://evil.example|slack.com> & <@U1>"
    inert = "&lt;!channel&gt; see &lt;https://evil.example|slack.com&gt; &amp; &lt;@U1&gt;"
    assert explain(InvalidArgument(hostile)) == f"Web21C rejected the request ({inert})."
    assert explain(ServiceFailure(hostile)) == f"Web21C failed ({inert}); try again in a minute."
