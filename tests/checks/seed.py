"""An account with violating and compliant resources of every kind, and what each check
must report for it: the single source of truth for the moto and moto_server tests."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

ACCOUNT = "123456789012"
REGION_A = "us-east-1"
REGION_B = "eu-west-1"
GLOBAL = "global"

Expected = dict[str, set[tuple[str, str]]]  # check id -> {(resource, region)}


def _public_policy(bucket: str, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Sid": "Public",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


#: Any AMI id will do for moto; the tests do not load moto's thousands of default AMIs
#: (MOTO_EC2_LOAD_DEFAULT_AMIS=false), which cost seconds per region to list.
TEST_AMI = "ami-12c6146b"
TEST_CERT = "-----BEGIN CERTIFICATE-----\nMIIBdemarc\n-----END CERTIFICATE-----"


def seed(client: Callable[[str, str], Any]) -> Expected:
    """Create the resources through `client(service, region)`; return the exact findings."""
    expected: Expected = {}

    def expect(check: str, resource: str, region: str) -> None:
        expected.setdefault(check, set()).add((resource, region))

    # --- IAM ------------------------------------------------------------------
    iam = client("iam", REGION_A)
    iam.update_account_password_policy(MinimumPasswordLength=8)
    expect("iam-password-policy", ACCOUNT, GLOBAL)
    expect("iam-root-mfa", ACCOUNT, GLOBAL)  # moto's root has no MFA; its keys are absent
    for name in ("alice", "bob", "carol", "admin-user"):
        iam.create_user(UserName=name)
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-1!")  # password, no MFA
    iam.create_login_profile(UserName="bob", Password="Correct-Horse-2!")  # password and MFA
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob-mfa")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="bob", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    expect("iam-user-mfa", f"arn:aws:iam::{ACCOUNT}:user/alice", GLOBAL)
    iam.attach_user_policy(UserName="admin-user", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.attach_user_policy(UserName="carol", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    expect("iam-admin-policy", f"arn:aws:iam::{ACCOUNT}:user/admin-user", GLOBAL)

    def policy(name: str, action: Any, resource: Any) -> str:
        doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}
        return str(iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(doc))["Policy"]["Arn"])

    expect("iam-admin-policy", policy("star-star", "*", "*"), GLOBAL)
    expect("iam-admin-policy", policy("star-list", ["*"], ["arn:aws:s3:::x", "*"]), GLOBAL)
    policy("narrow", "s3:GetObject", "*")
    policy("star-on-one-bucket", "*", "arn:aws:s3:::one-bucket/*")
    # A policy whose first version was "*:*" but whose default version is narrow.
    fixed = policy("fixed-later", "*", "*")
    narrow_doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}]}
    iam.create_policy_version(PolicyArn=fixed, PolicyDocument=json.dumps(narrow_doc), SetAsDefault=True)

    # Credentials over time (dates pinned through tags: tests/checks/moto_ext.py), scan day TODAY.
    expect("iam-password-reuse", ACCOUNT, GLOBAL)  # the policy above sets no reuse prevention
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/{{}}".format
    iam.tag_user(UserName="alice", Tags=[{"Key": "demarc-test:password-used", "Value": "2026-11-20"}])
    iam.tag_user(UserName="bob", Tags=[{"Key": "demarc-test:password-used", "Value": "2026-08-01"}])
    expect("iam-unused-credentials", user_arn("bob"), GLOBAL)  # password idle 114 days

    def keyed(name: str, *keys: tuple[str, str, bool]) -> str:
        iam.create_user(UserName=name)
        for slot, (rotated, used, active) in enumerate(keys, start=1):
            key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
            if not active:
                iam.update_access_key(UserName=name, AccessKeyId=key, Status="Inactive")
            iam.tag_user(UserName=name, Tags=[{"Key": f"demarc-test:key{slot}", "Value": f"{rotated}/{used}"}])
        return user_arn(name)

    expect("iam-key-rotation", keyed("key-old", ("2026-01-01", "2026-11-20", True)), GLOBAL)  # 326 days old
    expect("iam-unused-credentials", keyed("key-idle", ("2026-09-01", "2026-09-15", True)), GLOBAL)  # 69 days
    expect("iam-unused-credentials", keyed("key-never", ("2026-09-20", "N/A", True)), GLOBAL)  # never, 64 days
    keyed("key-fresh", ("2026-11-01", "2026-11-22", True))
    keyed("key-edge", ("2026-08-25", "2026-10-10", True))  # 90 days old, idle 44: neither
    expect(
        "iam-one-active-key",
        keyed("key-two", ("2026-11-01", "2026-11-22", True), ("2026-11-02", "2026-11-21", True)),
        GLOBAL,
    )
    keyed("key-one-inactive", ("2026-11-01", "2026-11-22", True), ("2025-01-01", "2025-02-01", False))
    iam.create_account_alias(AccountAlias="demarc-test-root-used-2026-10-01")
    expect("iam-root-used", ACCOUNT, GLOBAL)  # 53 days before the scan
    iam.put_user_policy(
        UserName="alice",
        PolicyName="inline",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
        ),
    )
    for name in ("alice", "carol", "admin-user"):
        expect("iam-user-policies", user_arn(name), GLOBAL)
    iam.create_role(RoleName="support", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    iam.attach_role_policy(RoleName="support", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")
    for name, expires in (("old-cert", "2026-01-01"), ("new-cert", "2027-06-01")):
        arn = iam.upload_server_certificate(
            ServerCertificateName=name, CertificateBody=TEST_CERT, PrivateKey="key", Path=f"/expires/{expires}/"
        )["ServerCertificateMetadata"]["Arn"]
        if expires < "2026-11-23":
            expect("iam-expired-certificates", arn, GLOBAL)

    iam.generate_credential_report()

    # --- S3 ---------------------------------------------------------------------
    s3 = client("s3", REGION_A)
    s3.create_bucket(Bucket="demarc-public-acl", ACL="public-read")
    expect("s3-public-access", "demarc-public-acl", GLOBAL)
    s3.create_bucket(Bucket="demarc-auth-acl", ACL="authenticated-read")
    expect("s3-public-access", "demarc-auth-acl", GLOBAL)
    s3.create_bucket(Bucket="demarc-acl-ignored", ACL="public-read")
    s3.put_public_access_block(Bucket="demarc-acl-ignored", PublicAccessBlockConfiguration={"IgnorePublicAcls": True})
    s3.create_bucket(Bucket="demarc-public-policy")
    s3.put_bucket_policy(Bucket="demarc-public-policy", Policy=_public_policy("demarc-public-policy"))
    expect("s3-public-access", "demarc-public-policy", GLOBAL)
    s3.create_bucket(Bucket="demarc-policy-conditioned")
    s3.put_bucket_policy(
        Bucket="demarc-policy-conditioned",
        Policy=_public_policy("demarc-policy-conditioned", {"StringEquals": {"aws:SourceVpce": "vpce-1"}}),
    )
    s3.create_bucket(Bucket="demarc-policy-restricted")
    s3.put_bucket_policy(Bucket="demarc-policy-restricted", Policy=_public_policy("demarc-policy-restricted"))
    s3.put_public_access_block(
        Bucket="demarc-policy-restricted", PublicAccessBlockConfiguration={"RestrictPublicBuckets": True}
    )
    # BlockPublicPolicy only refuses new public policies; the existing one stays public.
    s3.create_bucket(Bucket="demarc-policy-blockonly")
    s3.put_bucket_policy(Bucket="demarc-policy-blockonly", Policy=_public_policy("demarc-policy-blockonly"))
    s3.put_public_access_block(
        Bucket="demarc-policy-blockonly", PublicAccessBlockConfiguration={"BlockPublicPolicy": True}
    )
    expect("s3-public-access", "demarc-policy-blockonly", GLOBAL)
    # Every other way the policy grammar writes "everyone" (issue 16).
    grammar: dict[str, dict[str, Any]] = {
        # Allow with NotPrincipal: everyone except the principal named, so world-readable.
        "demarc-notprincipal": {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "s3:GetObject",
        },
        # NotAction with a list Principal holding "*".
        "demarc-notaction": {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "NotAction": "s3:DeleteObject"},
    }
    for name, statement in grammar.items():
        s3.create_bucket(Bucket=name)
        # a single Statement object, not a list
        doc = {"Version": "2012-10-17", "Statement": statement | {"Resource": f"arn:aws:s3:::{name}/*"}}
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(doc))
        expect("s3-public-access", name, GLOBAL)
    # Deny with NotPrincipal is not a grant.
    s3.create_bucket(Bucket="demarc-deny-notprincipal")
    deny = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::demarc-deny-notprincipal/*",
    }
    s3.put_bucket_policy(
        Bucket="demarc-deny-notprincipal", Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    )
    s3.create_bucket(Bucket="demarc-private")
    s3.create_bucket(Bucket="demarc-trail-logs")

    # TLS only: a Deny of s3:* without SecureTransport complies; a Deny of one action does not.
    def deny_http(bucket: str, action: str) -> str:
        statement = {
            "Effect": "Deny",
            "Principal": "*",
            "Action": action,
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    s3.create_bucket(Bucket="demarc-tls-only")
    s3.put_bucket_policy(Bucket="demarc-tls-only", Policy=deny_http("demarc-tls-only", "s3:*"))
    s3.create_bucket(Bucket="demarc-tls-get-only")
    s3.put_bucket_policy(Bucket="demarc-tls-get-only", Policy=deny_http("demarc-tls-get-only", "s3:GetObject"))
    # Versioning: enabled with MFA delete, enabled, suspended, never (every other bucket).
    s3.put_bucket_versioning(
        Bucket="demarc-tls-only",
        MFA="arn:aws:iam::123456789012:mfa/root 123456",
        VersioningConfiguration={"Status": "Enabled", "MFADelete": "Enabled"},
    )
    s3.put_bucket_versioning(Bucket="demarc-private", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket="demarc-trail-logs", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket="demarc-trail-logs", VersioningConfiguration={"Status": "Suspended"})
    expect("s3-account-public-access-block", ACCOUNT, GLOBAL)  # the account has no Block Public Access
    # Access points: one with every Block Public Access setting off, one with AWS's defaults (all on).
    s3control = client("s3control", REGION_A)
    if os.environ.get("AWS_ENDPOINT_URL"):  # moto_server: no <account>.<host> name (as the scan's clients)
        from bot.checks.session import _drop_account_host_prefix

        s3control.meta.events.register("before-sign.s3-control", _drop_account_host_prefix)
    s3control.create_access_point(
        AccountId=ACCOUNT,
        Name="ap-open",
        Bucket="demarc-private",
        PublicAccessBlockConfiguration={
            k: False for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        },
    )
    s3control.create_access_point(AccountId=ACCOUNT, Name="ap-default", Bucket="demarc-private")
    expect("s3-access-point-public", f"arn:aws:s3:{REGION_A}:{ACCOUNT}:accesspoint/ap-open", REGION_A)
    encrypted = {"demarc-private", "demarc-acl-ignored"}
    for bucket in encrypted:
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
    for bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        if bucket not in encrypted:
            expect("s3-encryption", bucket, GLOBAL)
        # moto keeps no MFADelete state (GetBucketVersioning never reports it): every bucket is a
        # finding here, and tests/checks/test_logic.py covers a bucket with MFA delete enabled.
        expect("s3-mfa-delete", bucket, GLOBAL)
        if bucket != "demarc-tls-only":
            expect("s3-secure-transport", bucket, GLOBAL)
        if bucket not in ("demarc-tls-only", "demarc-private"):
            expect("s3-versioning", bucket, GLOBAL)

    # --- EC2, EBS, VPC, SSM -------------------------------------------------------
    running: list[tuple[str, str]] = []  # instances that accept IMDSv1
    for region in (REGION_A, REGION_B):
        ec2 = client("ec2", region)
        az = f"{region}a"
        if region == REGION_A:
            expect("ebs-encryption", REGION_A, REGION_A)  # encryption by default off
            ec2.create_volume(AvailabilityZone=az, Size=8)  # unencrypted
            ec2.create_volume(AvailabilityZone=az, Size=8, Encrypted=True)
        else:
            ec2.enable_ebs_encryption_by_default()
            ec2.create_volume(AvailabilityZone=az, Size=8, Encrypted=True)

        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]

        def group(name: str, *rules: dict[str, Any], ec2: Any = ec2, vpc: str = vpc) -> str:
            gid = str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"])
            if rules:
                ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=list(rules))
            return gid

        world = [{"CidrIp": "0.0.0.0/0"}]
        world6 = [{"CidrIpv6": "::/0"}]
        if region == REGION_A:
            expect(
                "open-ports",
                group("ssh", {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": world}),
                region,
            )
            expect(
                "open-ports",
                group("range", {"IpProtocol": "tcp", "FromPort": 1000, "ToPort": 4000, "IpRanges": world}),
                region,
            )
            expect("open-ports", group("all", {"IpProtocol": "-1", "IpRanges": world}), region)
            expect(
                "open-ports",
                group("pg6", {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "Ipv6Ranges": world6}),
                region,
            )
            expect(
                "open-ports",
                group("tftp", {"IpProtocol": "udp", "FromPort": 20, "ToPort": 21, "IpRanges": world}),
                region,
            )
            group("https", {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": world})
            group(
                "ssh-private",
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
            )
            group("icmp", {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": world})
            group("high-range", {"IpProtocol": "tcp", "FromPort": 28000, "ToPort": 65535, "IpRanges": world})
        else:
            expect(
                "open-ports",
                group("redis6", {"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379, "Ipv6Ranges": world6}),
                region,
            )

        # Network ACLs: the default one allows everything (a finding, as on AWS); a custom one
        # denies SSH and RDP before its allow-all rule; another allows RDP from ::/0 only.
        for acl in ec2.describe_network_acls()["NetworkAcls"]:
            expect("vpc-nacl-admin-ports", acl["NetworkAclId"], region)
        if region == REGION_A:
            closed = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
            for number, action, ports in (
                (10, "deny", (22, 22)),
                (20, "deny", (3389, 3389)),
                (100, "allow", (0, 65535)),
            ):
                ec2.create_network_acl_entry(
                    NetworkAclId=closed,
                    RuleNumber=number,
                    Protocol="6",
                    RuleAction=action,
                    Egress=False,
                    CidrBlock="0.0.0.0/0",
                    PortRange={"From": ports[0], "To": ports[1]},
                )
            rdp6 = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
            ec2.create_network_acl_entry(
                NetworkAclId=rdp6,
                RuleNumber=100,
                Protocol="6",
                RuleAction="allow",
                Egress=False,
                Ipv6CidrBlock="::/0",
                PortRange={"From": 3000, "To": 4000},
            )
            expect("vpc-nacl-admin-ports", rdp6, region)
            # Flow logs: the default VPC has one; a second VPC has none.
            ec2.create_flow_logs(
                ResourceIds=[vpc],
                ResourceType="VPC",
                TrafficType="ALL",
                LogDestinationType="s3",
                LogDestination="arn:aws:s3:::demarc-trail-logs",
            )
            bare = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
            expect("vpc-flow-logs", bare, region)
            for acl in ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [bare]}])["NetworkAcls"]:
                expect("vpc-nacl-admin-ports", acl["NetworkAclId"], region)
        else:
            expect("vpc-flow-logs", vpc, region)
        # Every default security group allows its own members in and everything out (as on AWS),
        # except one emptied of its rules.
        for sg in ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])[
            "SecurityGroups"
        ]:
            if region == REGION_B:
                if sg["IpPermissions"]:
                    ec2.revoke_security_group_ingress(GroupId=sg["GroupId"], IpPermissions=sg["IpPermissions"])
                if sg["IpPermissionsEgress"]:
                    ec2.revoke_security_group_egress(GroupId=sg["GroupId"], IpPermissions=sg["IpPermissionsEgress"])
            else:
                expect("vpc-default-security-group", sg["GroupId"], region)

        ami = TEST_AMI

        def instance(patch: str | None, ec2: Any = ec2, ami: str = ami, tokens: str = "optional") -> str:
            tags = (
                [{"ResourceType": "instance", "Tags": [{"Key": "demarc-test:patch", "Value": patch}]}] if patch else []
            )
            kwargs: dict[str, Any] = {"TagSpecifications": tags} if tags else {}
            kwargs["MetadataOptions"] = {"HttpTokens": tokens, "HttpEndpoint": "enabled"}
            iid = str(ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, **kwargs)["Instances"][0]["InstanceId"])
            if tokens != "required" and ec2.meta.region_name:
                running.append((iid, ec2.meta.region_name))
            return iid

        expect("ec2-patching", instance(None), region)  # not managed by SSM
        instance("0,0,0")  # patched
        if region == REGION_A:
            expect("ec2-patching", instance("2,0,0"), region)
            expect("ec2-patching", instance("0,1,0"), region)
            expect("ec2-patching", instance("0,0,3"), region)
            stopped = instance(None)
            ec2.stop_instances(InstanceIds=[stopped])  # stopped: not a finding
            running.remove((stopped, region))
            instance("0,0,0", tokens="required")  # IMDSv2 only
        for iid, where in running:
            if where == region:
                expect("ec2-imdsv2", iid, where)
        # Snapshots and AMIs: one of each shared with everyone, one kept private.
        volume = ec2.create_volume(AvailabilityZone=az, Size=1, Encrypted=True)["VolumeId"]
        if region == REGION_A:
            public = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
            ec2.modify_snapshot_attribute(
                SnapshotId=public, Attribute="createVolumePermission", OperationType="add", GroupNames=["all"]
            )
            expect("ebs-public-snapshot", public, region)
            ec2.create_snapshot(VolumeId=volume)
            source = next(i for i, w in running if w == region)
            image = ec2.create_image(InstanceId=source, Name="demarc-public")["ImageId"]
            ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"Group": "all"}]})
            expect("ec2-public-ami", image, region)
            ec2.create_image(InstanceId=source, Name="demarc-private")

        # --- RDS --------------------------------------------------------------
        rds = client("rds", region)

        def db(
            name: str,
            encrypted: bool,
            public: bool,
            rds: Any = rds,
            minor: bool = True,
            backups: int = 7,
            protected: bool = True,
        ) -> str:
            rds.create_db_instance(
                DBInstanceIdentifier=name,
                DBInstanceClass="db.t3.micro",
                Engine="postgres",
                MasterUsername="admin",
                MasterUserPassword="Passw0rd-long",
                AllocatedStorage=20,
                StorageEncrypted=encrypted,
                PubliclyAccessible=public,
                AutoMinorVersionUpgrade=minor,
                BackupRetentionPeriod=backups,
                DeletionProtection=protected,
            )
            where = rds.meta.region_name
            if not encrypted:
                expect("rds-encryption", name, where)
            if public:
                expect("rds-public", name, where)
            if not minor:
                expect("rds-auto-minor-upgrade", name, where)
            if backups < 7:
                expect("rds-backup-retention", name, where)
            if not protected:
                expect("rds-deletion-protection", name, where)
            return name

        if region == REGION_A:
            db("db-plain-public", False, True, minor=False, backups=0, protected=False)
            db("db-good", True, False)
            db("db-short-backups", True, False, backups=6)
        else:
            db("db-b-public", True, True, backups=1)

        # --- Lambda -----------------------------------------------------------
        lam = client("lambda", region)
        if region == REGION_A:
            iam.create_role(
                RoleName="demarc-fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
            )

        def function(name: str, runtime: str, lam: Any = lam) -> str:
            lam.create_function(
                FunctionName=name,
                Runtime=runtime,
                Role=f"arn:aws:iam::{ACCOUNT}:role/demarc-fn",
                Handler="h.h",
                Code={"ZipFile": b"zip"},
            )
            return name

        if region == REGION_A:
            expect("lambda-runtime", function("fn-py38", "python3.8"), region)
            expect("lambda-runtime", function("fn-node20", "nodejs20.x"), region)  # deprecated 2026-04-30
            function("fn-py313", "python3.13")
            function("fn-unknown", "python9.9")  # not in the table: a note, not a finding
            function("fn-public", "python3.13")
            lam.add_permission(
                FunctionName="fn-public", StatementId="anyone", Action="lambda:InvokeFunction", Principal="*"
            )
            expect("lambda-public", "fn-public", region)
            function("fn-conditioned", "python3.13")
            lam.add_permission(
                FunctionName="fn-conditioned",
                StatementId="s3",
                Action="lambda:InvokeFunction",
                Principal="*",
                SourceArn="arn:aws:s3:::demarc-private",
            )
            lam.add_permission(
                FunctionName="fn-conditioned",
                StatementId="svc",
                Action="lambda:InvokeFunction",
                Principal="s3.amazonaws.com",
            )
            function("fn-url-open", "python3.13")
            lam.create_function_url_config(FunctionName="fn-url-open", AuthType="NONE")
            expect("lambda-public", "fn-url-open", region)
            # $LATEST upgraded, but the prod alias still routes to version 1 on python3.8 (issue 16).
            lam.create_function(
                FunctionName="fn-alias-old",
                Runtime="python3.8",
                Role=f"arn:aws:iam::{ACCOUNT}:role/demarc-fn",
                Handler="h.h",
                Code={"ZipFile": b"zip"},
                Publish=True,
            )
            lam.update_function_configuration(FunctionName="fn-alias-old", Runtime="python3.13")
            lam.create_alias(FunctionName="fn-alias-old", Name="prod", FunctionVersion="1")
            expect("lambda-runtime", "fn-alias-old", region)
            # an alias on a supported published version is fine
            lam.create_function(
                FunctionName="fn-alias-ok",
                Runtime="python3.13",
                Role=f"arn:aws:iam::{ACCOUNT}:role/demarc-fn",
                Handler="h.h",
                Code={"ZipFile": b"zip"},
                Publish=True,
            )
            lam.create_alias(FunctionName="fn-alias-ok", Name="live", FunctionVersion="1")
            function("fn-url-iam", "python3.13")
            lam.create_function_url_config(FunctionName="fn-url-iam", AuthType="AWS_IAM")
        else:
            expect("lambda-runtime", function("fn-b-java8", "java8"), region)
            function("fn-b-ok", "python3.12")

    # Instances' root volumes are unencrypted in moto: every unencrypted volume is a finding.
    for region in (REGION_A, REGION_B):
        for volume in client("ec2", region).describe_volumes()["Volumes"]:
            if not volume["Encrypted"]:
                expect("ebs-encryption", volume["VolumeId"], region)

    # --- CloudTrail: a multi-region trail that is not logging --------------------
    trails = client("cloudtrail", REGION_A)
    arn = trails.create_trail(Name="demarc-trail", S3BucketName="demarc-trail-logs", IsMultiRegionTrail=True)[
        "TrailARN"
    ]
    # (the trail delivering to CloudWatch Logs, below, is logging: the cloudtrail check passes here;
    # tests/checks/test_detection.py covers an account whose only multi-region trail is idle)
    expect("cloudtrail-log-validation", arn, REGION_A)
    expect("cloudtrail-kms", arn, REGION_A)
    # A single-region trail that validates and encrypts its logs: neither check finds it.
    key = client("kms", REGION_B).create_key()["KeyMetadata"]["Arn"]
    expect("kms-key-rotation", key, REGION_B)  # customer managed, rotation off
    rotated = client("kms", REGION_B).create_key()["KeyMetadata"]["Arn"]
    client("kms", REGION_B).enable_key_rotation(KeyId=rotated)
    client("kms", REGION_A).create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")  # asymmetric: no rotation
    disabled = client("kms", REGION_A).create_key()["KeyMetadata"]["KeyId"]
    client("kms", REGION_A).disable_key(KeyId=disabled)  # disabled: not checked
    # moto makes a customer managed key (rotation off) as the region's default EBS key, where AWS
    # uses the AWS managed aws/ebs key: it is a finding here too.
    for region in (REGION_A, REGION_B):
        kms = client("kms", region)
        for listed in kms.list_keys()["Keys"]:
            meta = kms.describe_key(KeyId=listed["KeyId"])["KeyMetadata"]
            if meta["Description"].startswith("Default master key that protects my EBS volumes"):
                expect("kms-key-rotation", meta["Arn"], region)
    client("cloudtrail", REGION_B).create_trail(
        Name="demarc-good-trail", S3BucketName="demarc-trail-logs", EnableLogFileValidation=True, KmsKeyId=key
    )
    _seed_detection(client, expect)
    _seed_containers(client, expect)
    _seed_integration(client, expect)
    _seed_edge(client, expect)
    return expected


def _seed_edge(client: Callable[[str, str], Any], expect: Callable[[str, str, str], None]) -> None:
    """Load balancers in REGION_A and CloudFront distributions: plain HTTP, old TLS, and compliant ones."""
    ec2 = client("ec2", REGION_A)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]][
        :2
    ]
    cert = client("iam", REGION_A).get_server_certificate(ServerCertificateName="new-cert")
    cert_arn = cert["ServerCertificate"]["ServerCertificateMetadata"]["Arn"]
    elb = client("elbv2", REGION_A)
    target = elb.create_target_group(Name="demarc-web", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
    forward = [{"Type": "forward", "TargetGroupArn": target["TargetGroupArn"]}]
    redirect = [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}]

    def balancer(name: str, *listeners: tuple[str, int, list[dict[str, Any]], str | None]) -> str:
        arn = str(elb.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"])
        for protocol, port, actions, policy in listeners:
            extra: dict[str, Any] = {}
            if protocol == "HTTPS":
                extra = {"SslPolicy": policy, "Certificates": [{"CertificateArn": cert_arn}]}
            elb.create_listener(LoadBalancerArn=arn, Protocol=protocol, Port=port, DefaultActions=actions, **extra)
        return arn

    plain = balancer("demarc-plain", ("HTTP", 80, forward, None), ("HTTPS", 443, forward, "ELBSecurityPolicy-2016-08"))
    expect("elb-http-listeners", plain, REGION_A)
    expect("elb-tls-policy", plain, REGION_A)
    balancer(
        "demarc-good",
        ("HTTP", 80, redirect, None),
        ("HTTPS", 443, forward, "ELBSecurityPolicy-TLS13-1-2-2021-06"),
    )

    cloudfront = client("cloudfront", REGION_A)

    def distribution(name: str, viewer: str, origin_protocols: list[str], certificate: dict[str, Any]) -> str:
        config = {
            "CallerReference": name,
            "Comment": name,
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": f"{name}-origin",
                        "DomainName": f"{name}.example.com",
                        "CustomOriginConfig": {
                            "HTTPPort": 80,
                            "HTTPSPort": 443,
                            "OriginProtocolPolicy": "https-only",
                            "OriginSslProtocols": {"Quantity": len(origin_protocols), "Items": origin_protocols},
                        },
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": f"{name}-origin",
                "ViewerProtocolPolicy": viewer,
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            },
            "ViewerCertificate": certificate,
        }
        return str(cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["ARN"])

    default_cert = {"CloudFrontDefaultCertificate": True}
    expect("cloudfront-tls", distribution("demarc-cf-http", "allow-all", ["TLSv1.2"], default_cert), GLOBAL)
    expect(
        "cloudfront-tls",
        distribution("demarc-cf-sslv3", "redirect-to-https", ["SSLv3", "TLSv1.2"], default_cert),
        GLOBAL,
    )
    # The default certificate reports TLSv1 as its minimum and cannot be changed: not judged.
    distribution("demarc-cf-good", "https-only", ["TLSv1.2"], default_cert)

    # API Gateway: an open GET (and a CORS OPTIONS) with logging off; an IAM-authorised API that logs.
    apigw = client("apigateway", REGION_A)

    def rest_api(name: str, methods: dict[str, str], log_level: str | None) -> str:
        api = apigw.create_rest_api(name=name)["id"]
        root = apigw.get_resources(restApiId=api)["items"][0]["id"]
        for verb, auth in methods.items():
            apigw.put_method(restApiId=api, resourceId=root, httpMethod=verb, authorizationType=auth)
            apigw.put_integration(restApiId=api, resourceId=root, httpMethod=verb, type="MOCK")
        apigw.create_deployment(restApiId=api, stageName="prod")
        if log_level:
            apigw.update_stage(
                restApiId=api,
                stageName="prod",
                patchOperations=[{"op": "replace", "path": "/*/*/logging/loglevel", "value": log_level}],
            )
        return str(api)

    open_api = rest_api("demarc-open-api", {"GET": "NONE", "OPTIONS": "NONE"}, None)
    expect("apigateway-open-methods", f"arn:aws:apigateway:{REGION_A}::/restapis/{open_api}", REGION_A)
    expect("apigateway-stage-logging", f"arn:aws:apigateway:{REGION_A}::/restapis/{open_api}/stages/prod", REGION_A)
    rest_api("demarc-iam-api", {"GET": "AWS_IAM", "POST": "AWS_IAM"}, "ERROR")


def _seed_integration(client: Callable[[str, str], Any], expect: Callable[[str, str, str], None]) -> None:
    """SQS queues, SNS topics, DynamoDB tables and ElastiCache groups, one of each kind of fault
    next to a compliant one (REGION_B holds a violation of each too)."""
    anyone = {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "*"}
    scoped = {
        "Sid": "FromMyBucket",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "*",
        "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::demarc-private"}},
    }

    def policy(arn: str, statement: dict[str, Any]) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [statement | {"Resource": arn}]})

    for region in (REGION_A, REGION_B):
        sqs = client("sqs", region)

        def queue(name: str, attributes: dict[str, str], sqs: Any = sqs, region: str = region) -> str:
            sqs.create_queue(QueueName=name, Attributes=attributes)
            return f"arn:aws:sqs:{region}:{ACCOUNT}:{name}"

        expect("sqs-encryption", queue(f"demarc-plain-{region}", {"SqsManagedSseEnabled": "false"}), region)
        if region == REGION_A:
            arn = f"arn:aws:sqs:{region}:{ACCOUNT}:demarc-open"
            expect("sqs-public", queue("demarc-open", {"Policy": policy(arn, anyone)}), region)
            arn = f"arn:aws:sqs:{region}:{ACCOUNT}:demarc-scoped"
            queue("demarc-scoped", {"Policy": policy(arn, scoped), "KmsMasterKeyId": "alias/aws/sqs"})
        sns = client("sns", region)
        plain = sns.create_topic(Name=f"demarc-topic-{region}")["TopicArn"]  # default policy: own account only
        expect("sns-encryption", plain, region)
        if region == REGION_A:
            open_topic = sns.create_topic(Name="demarc-open-topic", Attributes={"KmsMasterKeyId": "alias/aws/sns"})
            sns.set_topic_attributes(
                TopicArn=open_topic["TopicArn"],
                AttributeName="Policy",
                AttributeValue=policy(open_topic["TopicArn"], anyone),
            )
            expect("sns-public", open_topic["TopicArn"], region)
            sns.create_topic(Name="demarc-kms-topic", Attributes={"KmsMasterKeyId": "alias/aws/sns"})
        ddb = client("dynamodb", region)

        def table(name: str, pitr: bool, ddb: Any = ddb) -> str:
            ddb.create_table(
                TableName=name,
                KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            if pitr:
                ddb.update_continuous_backups(
                    TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
                )
            return name

        expect("dynamodb-pitr", table(f"demarc-orders-{region}", False), region)
        table(f"demarc-ledger-{region}", True)
        cache = client("elasticache", region)

        def group(name: str, tls: bool, cache: Any = cache) -> str:
            cache.create_replication_group(
                ReplicationGroupId=name,
                ReplicationGroupDescription=name,
                Engine="redis",
                CacheNodeType="cache.t3.micro",
                TransitEncryptionEnabled=tls,
            )
            return name

        if region == REGION_A:
            expect("elasticache-transit-encryption", group("demarc-cache-plain", False), region)
            group("demarc-cache-tls", True)


def _seed_containers(client: Callable[[str, str], Any], expect: Callable[[str, str, str], None]) -> None:
    """EKS clusters and ECS task definitions in REGION_A, Lambda environments: every edge case
    of the container and compute checks next to a compliant one."""
    role = f"arn:aws:iam::{ACCOUNT}:role/demarc-fn"
    eks = client("eks", REGION_A)

    def cluster(name: str, version: str, vpc: dict[str, Any], secrets: bool, logs: list[str]) -> str:
        kwargs: dict[str, Any] = {}
        if secrets:
            key = f"arn:aws:kms:{REGION_A}:{ACCOUNT}:key/0e5a1f4c-eks"
            kwargs["encryptionConfig"] = [{"resources": ["secrets"], "provider": {"keyArn": key}}]
        if logs:
            kwargs["logging"] = {"clusterLogging": [{"types": logs, "enabled": True}]}
        body = eks.create_cluster(
            name=name, version=version, roleArn=role, resourcesVpcConfig={"subnetIds": [], **vpc}, **kwargs
        )
        return str(body["cluster"]["arn"])

    # AWS's defaults: public endpoint open to 0.0.0.0/0, no secrets encryption, no logs; 1.30 left
    # standard support on 2025-07-23.
    open_arn = cluster("eks-defaults", "1.30", {"endpointPublicAccess": True}, False, [])
    for check_id in ("eks-endpoint-public", "eks-version", "eks-secrets-encryption", "eks-control-plane-logging"):
        expect(check_id, open_arn, REGION_A)
    # Private endpoint, encrypted, every log type, 1.34 (standard support until 2026-12-02).
    cluster(
        "eks-hardened",
        "1.34",
        {"endpointPublicAccess": False, "endpointPrivateAccess": True},
        True,
        ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    )
    # Public but limited to one range (not a finding); 1.33 ended 2026-07-29; audit log only.
    narrow = cluster(
        "eks-narrow",
        "1.33",
        {"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]},
        True,
        ["audit"],
    )
    expect("eks-version", narrow, REGION_A)
    expect("eks-control-plane-logging", narrow, REGION_A)
    # IPv6 everywhere is the whole internet too.
    six = cluster(
        "eks-v6",
        "1.34",
        {"endpointPublicAccess": True, "publicAccessCidrs": ["::/0"]},
        True,
        ["api", "audit", "authenticator"],
    )
    expect("eks-endpoint-public", six, REGION_A)

    ecs = client("ecs", REGION_A)

    def task(family: str, *containers: dict[str, Any]) -> str:
        defs = [{"image": "public.ecr.aws/demarc/app:1", "memory": 128, **c} for c in containers]
        return str(
            ecs.register_task_definition(family=family, containerDefinitions=defs)["taskDefinition"][
                "taskDefinitionArn"
            ]
        )

    # web: revision 1 was privileged, revision 2 (the latest ACTIVE) is not.
    task("web", {"name": "app", "privileged": True})
    task("web", {"name": "app", "environment": [{"name": "LOG_LEVEL", "value": "info"}]})
    # worker: privileged, and a password in plain text next to a harmless variable.
    worker = task(
        "worker",
        {"name": "main", "privileged": True, "environment": [{"name": "DB_PASSWORD", "value": "plain-text-pw"}]},
        {"name": "sidecar", "environment": [{"name": "QUEUE_URL", "value": "https://sqs.example/q"}]},
    )
    expect("ecs-privileged-containers", worker, REGION_A)
    expect("ecs-secret-env", worker, REGION_A)
    # batch: the latest revision (with an access key id in a variable) was deregistered.
    task("batch", {"name": "job", "environment": [{"name": "TABLE_NAME", "value": "orders"}]})
    task("batch", {"name": "job", "environment": [{"name": "UPLOAD", "value": "AKIAIOSFODNN7EXAMPLE"}]})
    ecs.deregister_task_definition(taskDefinition="batch:2")
    # api: secrets by reference (the `secrets` field, an ARN, a parameter name) are fine.
    task(
        "api",
        {
            "name": "api",
            "secrets": [{"name": "DB_PASSWORD", "valueFrom": f"arn:aws:secretsmanager:{REGION_A}:{ACCOUNT}:secret:db"}],
            "environment": [
                {"name": "API_TOKEN_PARAMETER", "value": "/prod/api/token"},
                {"name": "SIGNING_SECRET", "value": f"arn:aws:ssm:{REGION_A}:{ACCOUNT}:parameter/signing"},
            ],
        },
    )

    lam = client("lambda", REGION_A)

    def function(name: str, env: dict[str, str]) -> str:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role,
            Handler="h.h",
            Code={"ZipFile": b"zip"},
            Environment={"Variables": env},
        )
        return name

    expect(
        "lambda-env-secrets",
        function("fn-env-secrets", {"STRIPE_API_KEY": "sk_live_demarc", "JWT_SECRET": "s3cr3t", "LOG_LEVEL": "debug"}),
        REGION_A,
    )
    expect(
        "lambda-env-secrets",
        function("fn-env-key-value", {"UPLOADER": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}),
        REGION_A,
    )
    function(
        "fn-env-clean",
        {"TABLE_NAME": "orders", "DB_SECRET_ARN": f"arn:aws:secretsmanager:{REGION_A}:{ACCOUNT}:secret:db"},
    )


def _seed_detection(client: Callable[[str, str], Any], expect: Callable[[str, str, str], None]) -> None:
    """Access Analyzer (external access), Config, GuardDuty and Security Hub on in REGION_A and
    not in REGION_B; the CIS metric filters on a logging multi-region trail's log group, one of
    them told to a subscriber."""
    role = f"arn:aws:iam::{ACCOUNT}:role/demarc-fn"
    for region in (REGION_A, REGION_B):
        config = client("config", region)
        config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": role,
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": region == REGION_A},
            }
        )
        config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "demarc-trail-logs"})
        guardduty = client("guardduty", region)
        guardduty.create_detector(Enable=region == REGION_A)
        analyzer = client("accessanalyzer", region)
        if region == REGION_A:
            analyzer.create_analyzer(analyzerName="demarc-external", type="ACCOUNT")
        else:
            analyzer.create_analyzer(analyzerName="demarc-unused", type="ACCOUNT_UNUSED_ACCESS")  # not external access
            expect("iam-access-analyzer", region, region)
        if region == REGION_A:
            config.start_configuration_recorder(ConfigurationRecorderName="default")
            client("securityhub", region).enable_security_hub()
        else:
            expect("config-recording", region, region)  # a recorder that was never started
            expect("guardduty-enabled", region, region)  # a suspended detector
            expect("securityhub-enabled", region, region)  # not subscribed

    logs = client("logs", REGION_A)
    logs.create_log_group(logGroupName="demarc-cloudtrail")
    group_arn = f"arn:aws:logs:{REGION_A}:{ACCOUNT}:log-group:demarc-cloudtrail:*"
    key = client("kms", REGION_A).create_key()["KeyMetadata"]["Arn"]
    client("kms", REGION_A).enable_key_rotation(KeyId=key)
    trails = client("cloudtrail", REGION_A)
    trails.create_trail(
        Name="demarc-cw-trail",
        S3BucketName="demarc-trail-logs",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        KmsKeyId=key,
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=role,
    )
    trails.start_logging(Name="demarc-cw-trail")
    sns = client("sns", REGION_A)
    told = sns.create_topic(Name="demarc-security-alarms")["TopicArn"]
    sns.subscribe(TopicArn=told, Protocol="https", Endpoint="https://alerts.example.com/hook")
    untold = sns.create_topic(Name="demarc-nobody-listens")["TopicArn"]  # no subscriber
    for topic in (told, untold):
        expect("sns-encryption", topic, REGION_A)  # no KMS key
    cloudwatch = client("cloudwatch", REGION_A)

    def watch(name: str, pattern: str, topic: str | None) -> None:
        logs.put_metric_filter(
            logGroupName="demarc-cloudtrail",
            filterName=name,
            filterPattern=pattern,
            metricTransformations=[{"metricName": name, "metricNamespace": "CISBenchmark", "metricValue": "1"}],
        )
        if topic:
            cloudwatch.put_metric_alarm(
                AlarmName=f"{name}-alarm",
                MetricName=name,
                Namespace="CISBenchmark",
                Statistic="Sum",
                Period=300,
                Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
                EvaluationPeriods=1,
                AlarmActions=[topic],
            )

    # 4.1 watched and told; 4.3 alarmed to a topic nobody reads; 4.4 a filter with no alarm; the rest missing.
    watch(
        "unauthorized-api-calls",
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
        told,
    )
    watch(
        "root-usage",
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
        untold,
    )
    iam_events = [
        "DeleteGroupPolicy",
        "DeleteRolePolicy",
        "DeleteUserPolicy",
        "PutGroupPolicy",
        "PutRolePolicy",
        "PutUserPolicy",
        "CreatePolicy",
        "DeletePolicy",
        "CreatePolicyVersion",
        "DeletePolicyVersion",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "AttachUserPolicy",
        "DetachUserPolicy",
        "AttachGroupPolicy",
        "DetachGroupPolicy",
    ]
    watch("iam-policy-changes", "{" + " || ".join(f"($.eventName={e})" for e in iam_events) + "}", None)
    expect("cloudwatch-cis-alarms", ACCOUNT, GLOBAL)
