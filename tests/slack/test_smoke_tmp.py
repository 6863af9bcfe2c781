from tests.slack.conftest import response_posts
def test_smoke(running):
    r = running.command("who patches the OS on Fargate?")
    assert r.status == 200, r
    running.slack.wait_count("/response/cmd")
    print(response_posts(running.slack)[0])
    r = running.event(__import__("tests.slack.fakes", fromlist=["x"]).mention_event("who patches the OS on EC2?"), event_id="Ev1")
    assert r.status == 200
    calls = running.slack.wait_count("chat.postMessage")
    print(calls[0].body)
