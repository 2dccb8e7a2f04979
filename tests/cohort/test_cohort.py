"""`cpin cohort` on the real local control plane: each learner fenced in their own namespaces.

Three learners are provisioned through the CLI; then, with each learner's own kubeconfig, every kind of
access to every other learner's namespaces (read, list, write, delete), to cluster-wide objects and to the
cohort's identities is tried through the API: all must be refused, while the learner's own namespaces work,
with the platform's dev/prod policy split. `revoke` takes everything away, tokens included.
"""
from __future__ import annotations

import itertools
import time

import pytest

from grader import cli, cohort
from grader.cluster import kubeconfig as kc
from grader.errors import ApiFailure, InputError
from grader.kube.client import Kube

pytestmark = [pytest.mark.cluster]
COHORT = "essai"
LEARNERS = ("alice", "bob", "carol")
CM_KO = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-ko"},
         "data": {"DB_HOST": "postgres", "DB_PASSWORD": "changeme"}}


# ---------------------------------------------------------------- the roster (pure)
def test_roster_skips_comments_and_blank_lines():
    assert cohort.parse_roster("# cohorte de mars\nalice\n\n  bob  # binôme\ncarol-2\n") == ["alice", "bob", "carol-2"]


@pytest.mark.parametrize("text, fragment", [
    ("alice\nAlice\n", "ligne 2"), ("alice\nalice\n", "déjà dans la liste"), ("# rien\n\n", "aucun apprenant"),
    ("x" * 31 + "\n", "ligne 1"), ("jean dupont\n", "n'est pas un identifiant"),
])
def test_bad_roster_gets_one_french_error(text, fragment):
    with pytest.raises(InputError) as error:
        cohort.parse_roster(text, "apprenants.txt")
    assert fragment in error.value.message_fr and "apprenants.txt" in error.value.message_fr


def test_learner_spaces_have_the_dev_prod_split():
    spaces = {s.name: s for s in cohort.spaces(COHORT, "alice")}
    assert spaces["cpin-alice-dev"].env_type == "dev" and spaces["cpin-alice-prod"].env_type == "prod"
    assert "cpin-alice-00-prise-en-main" == next(iter(spaces))           # home: module 00
    psa = spaces["cpin-alice-04-openshift-psa"].labels
    assert psa["pod-security.kubernetes.io/enforce"] == "restricted"    # the exercise's own labels
    assert all(s.labels[cohort.COHORT_LABEL] == COHORT and s.labels["cpin.dev/learner"] == "alice"
               for s in spaces.values())


# ---------------------------------------------------------------- on the cluster
@pytest.fixture(scope="module")
def provisioned(local_cluster, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("CPIN_DATA", str(local_cluster.data_dir))
    roster = tmp_path_factory.mktemp("cohort") / "apprenants.txt"
    roster.write_text("# cohorte d'essai\n" + "\n".join(LEARNERS) + "\n")
    out = roster.parent / "acces"
    args = ["cohort", "provision", "--cohort", COHORT, "--context", local_cluster.context,
            "--learners", str(roster), "--out", str(out), "--days", "1"]
    assert cli.main(args) == 0
    yield {"roster": roster, "out": out, "args": args, "cluster": local_cluster}
    cli.main(["cohort", "revoke", "--cohort", COHORT, "--context", local_cluster.context, "--out", str(out)])
    mp.undo()


def learner_kube(provisioned, learner: str) -> Kube:
    path = provisioned["out"] / learner / "kubeconfig"
    return Kube(kc.api_client(path, cohort.context_name(COHORT)))


def refused(call) -> int:
    with pytest.raises(ApiFailure) as error:
        call()
    assert error.value.status in (401, 403), error.value.message_fr
    return error.value.status


def eventually_refused(call, timeout: float = 30, want: tuple[int, ...] = (401, 403)) -> int:
    """The status of the first refusal in `want`: the API server's account cache may take a moment to see a
    deleted ServiceAccount (meanwhile its bindings may already be gone: 403 before 401)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            call()
        except ApiFailure as error:
            assert error.status in (401, 403), error.message_fr
            if error.status in want:
                return error.status
        assert time.monotonic() < deadline, f"the revoked credentials are not refused with {want}"
        time.sleep(0.3)


def test_provision_summary_is_french_and_complete(provisioned, capsys):
    assert cli.main(provisioned["args"]) == 0          # again: idempotent
    out = capsys.readouterr().out
    assert out.count("déjà là, remis en ordre, jeton renouvelé") == 3
    assert "3 apprenants (0 nouveaux)" in out and "rien à l'échelle du cluster" in out
    assert cli.main(["cohort", "list", "--cohort", COHORT, "--context", provisioned["cluster"].context]) == 0
    listing = capsys.readouterr().out
    count = len(cohort.spaces(COHORT, LEARNERS[0]))        # one per exercise namespace, plus dev and prod
    assert all(f"{name:<20} compte actif, {count} espaces de noms" in listing for name in LEARNERS)


def test_each_learner_works_in_their_own_namespaces(provisioned):
    for learner in LEARNERS:
        kube = learner_kube(provisioned, learner)
        for space in cohort.spaces(COHORT, learner):
            cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"de-{learner}"}, "data": {"a": "b"}}
            kube.apply(cm, space.name)
            assert kube.get("ConfigMap", f"de-{learner}", space.name)["data"] == {"a": "b"}
            assert kube.get("Namespace", space.name) is not None        # a check reads its namespace's labels
        # the console split: a credential in a ConfigMap is a warning in dev, refused in prod
        assert kube.apply(CM_KO, f"cpin-{learner}-dev").warnings
        with pytest.raises(ApiFailure) as error:
            kube.apply(CM_KO, f"cpin-{learner}-prod")
        assert error.value.status in (400, 422, 403)


def test_cross_learner_access_is_refused_in_every_direction(provisioned):
    for me, other in itertools.permutations(LEARNERS, 2):
        kube = learner_kube(provisioned, me)
        for space in cohort.spaces(COHORT, other):
            ns = space.name
            cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "intrus"}, "data": {"x": "y"}}
            refused(lambda: kube.get("ConfigMap", f"de-{other}", ns))
            refused(lambda: kube.list("ConfigMap", ns))
            refused(lambda: kube.list("Secret", ns))
            refused(lambda: kube.apply(cm, ns))
            refused(lambda: kube.delete("ConfigMap", f"de-{other}", ns))
            refused(lambda: kube.get("Namespace", ns))
            refused(lambda: kube.delete("Namespace", ns, None))
        # the other's identity: neither readable nor usable to mint a token
        refused(lambda: kube.get("ServiceAccount", cohort.account_name(other), cohort.identity_namespace(COHORT)))
        refused(lambda: kube.request("POST", f"/api/v1/namespaces/{cohort.identity_namespace(COHORT)}/serviceaccounts/"
                                     f"{cohort.account_name(other)}/token", body={"spec": {}}))
    # the other learners' objects are untouched
    admin = Kube(provisioned["cluster"].api_client)
    for learner in LEARNERS:
        assert admin.get("ConfigMap", "intrus", f"cpin-{learner}-dev") is None
        assert admin.get("ConfigMap", f"de-{learner}", f"cpin-{learner}-dev") is not None


def test_no_cluster_wide_access(provisioned):
    kube = learner_kube(provisioned, "alice")
    refused(lambda: kube.list("Namespace"))
    refused(lambda: kube.list("ConfigMap"))                     # all namespaces
    refused(lambda: kube.request("GET", "/api/v1/nodes"))
    refused(lambda: kube.list("Secret", "kube-system"))
    refused(lambda: kube.list("ServiceAccount", cohort.identity_namespace(COHORT)))
    refused(lambda: kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": "cpin-alice-dev", "labels": {"cpin.dev/env-type": "dev"}}}, None))   # no escape from prod rules
    refused(lambda: kube.create({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                                 "metadata": {"name": "alice-admin"},
                                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                             "name": "cluster-admin"},
                                 "subjects": [{"kind": "ServiceAccount", "name": cohort.account_name("alice"),
                                               "namespace": cohort.identity_namespace(COHORT)}]}))


def test_an_unnamed_or_unknown_cluster_is_refused(provisioned, capsys):
    code = cli.main(["cohort", "provision", "--cohort", COHORT, "--context", "cluster-inconnu",
                     "--kubeconfig", str(provisioned["cluster"].kubeconfig), "--learners", str(provisioned["roster"])])
    assert code == 2 and "cluster-inconnu" in capsys.readouterr().err
    assert cli.main(["cohort", "provision", "--cohort", COHORT, "--learners", str(provisioned["roster"])]) == 2
    assert "--context" in capsys.readouterr().err


def test_revoke_one_learner_then_all(provisioned, capsys):
    cluster, out = provisioned["cluster"], provisioned["out"]
    bob = learner_kube(provisioned, "bob")
    alice = learner_kube(provisioned, "alice")
    only_bob = out.parent / "bob.txt"
    only_bob.write_text("bob\n")
    assert cli.main(["cohort", "revoke", "--cohort", COHORT, "--context", cluster.context,
                     "--learners", str(only_bob), "--out", str(out)]) == 0
    assert not (out / "bob" / "kubeconfig").exists()
    assert eventually_refused(lambda: bob.list("ConfigMap", "cpin-bob-dev"), want=(401,)) == 401   # died with its account
    assert alice.list("ConfigMap", "cpin-alice-dev")                         # the others keep working
    assert [m.learner for m in cohort.members(_admin(cluster), COHORT)] == ["alice", "carol"]
    assert cli.main(["cohort", "revoke", "--cohort", COHORT, "--context", cluster.context, "--out", str(out)]) == 0
    eventually_refused(lambda: alice.list("ConfigMap", "cpin-alice-dev"))
    admin = Kube(cluster.api_client)

    def gone():
        names = [ns["metadata"]["name"] for ns in admin.list("Namespace", record=False)]
        return not [n for n in names if n.startswith(("cpin-alice-", "cpin-bob-", "cpin-carol-", "cpin-cohorte-"))]
    deadline = time.monotonic() + 60
    while not gone():
        assert time.monotonic() < deadline, "the cohort's namespaces were not deleted"
        time.sleep(0.3)
    assert cohort.members(_admin(cluster), COHORT) == []
    capsys.readouterr()
    assert cli.main(["cohort", "revoke", "--cohort", COHORT, "--context", cluster.context]) == 0   # idempotent
    assert "personne à révoquer" in capsys.readouterr().out


def _admin(cluster):
    from grader.course.fence import Admin
    return Admin(cluster.kubeconfig, cluster.context)
