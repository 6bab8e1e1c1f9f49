package io.dmsc.gateway.pod;

import io.dmsc.wire.proto.attach.v1.GatewayMessage;
import io.dmsc.wire.proto.attach.v1.PodGatewayGrpc;
import io.dmsc.wire.proto.attach.v1.PodMessage;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * The pod-facing attach API of the SG ({@code dmsc.attach.v1.PodGateway}, signal type 1): one
 * long-lived stream per pod. The first message must be a Hello (pod id of 1 to 64
 * {@code [A-Za-z0-9._-]}, unique among live streams), answered with a Welcome. Each Announce is
 * checked in this order: name rules (INVALID_NAME), the reserved {@code /_dmsc} namespace
 * (RESERVED_NAMESPACE), the endpoint's {@code host:port} form (INVALID_ENDPOINT), the per-pod
 * limit (LIMIT_EXCEEDED), then the asynchronous {@link PrefixAdmission}; it is answered with an
 * AnnounceResult, accepted or rejected with the reason and a message saying what was wrong and
 * what is expected. Withdraw is answered with a WithdrawResult. Protocol errors end the stream:
 * a message with no kind or a bad pod id with INVALID_ARGUMENT, Announce or Withdraw before
 * Hello and a second Hello with FAILED_PRECONDITION, a pod id attached on another live stream
 * with ALREADY_EXISTS. When the stream ends for any reason, every announcement of the pod is
 * withdrawn at once.
 *
 * <p>Register it with {@code serverBuilder.addService(attachService.serviceDefinition())} so that
 * the pod's remote address is known; {@code addService(attachService)} works too, and shows the
 * remote address as {@code "unknown"}, and lets grpc-java end a stream that sends bytes that are
 * no protobuf with UNKNOWN instead of INVALID_ARGUMENT.
 *
 * <p>Threading: stateless and thread-safe; each stream's state is owned by the
 * {@link PodRegistry}'s event loop.
 */
public final class AttachService extends PodGatewayGrpc.PodGatewayImplBase {
    /** Default limit of announcements held (or awaiting authorization) per pod. */
    public static final int DEFAULT_MAX_ANNOUNCEMENTS_PER_POD = 1024;

    private static final Context.Key<SocketAddress> REMOTE_ADDRESS = Context.key("dmsc-attach-remote-address");
    private static final Context.Key<PodCertificate> CERTIFICATE = Context.key("dmsc-attach-certificate");

    /**
     * What the pod's TLS client certificate proved: an identity, or why it proves none.
     *
     * @param identity the pod identity, or null
     * @param problem  why the certificate is not accepted, or null
     */
    record PodCertificate(io.dmsc.node.security.MeshIdentity identity, String problem) {
        static final PodCertificate NONE = new PodCertificate(null, null);
    }

    private final String gatewayId;
    private final PodRegistry registry;
    private final PrefixAdmission admission;
    private final int maxAnnouncementsPerPod;
    /** The mesh whose pod certificates are accepted, or null when the port has no TLS identities. */
    private final String mesh;

    /**
     * Creates the service with the default per-pod limit.
     *
     * @param gatewayId node id of this SG, sent in every Welcome
     * @param registry  where accepted announcements go
     * @param admission the authorization hook, e.g. {@link PrefixAdmission#allowAll()}
     */
    public AttachService(String gatewayId, PodRegistry registry, PrefixAdmission admission) {
        this(gatewayId, registry, admission, DEFAULT_MAX_ANNOUNCEMENTS_PER_POD);
    }

    /**
     * Creates the service.
     *
     * @param gatewayId              node id of this SG, sent in every Welcome
     * @param registry               where accepted announcements go
     * @param admission              the authorization hook, e.g. {@link PrefixAdmission#allowAll()}
     * @param maxAnnouncementsPerPod most announcements a pod may hold or have awaiting
     *                               authorization, > 0
     */
    public AttachService(String gatewayId, PodRegistry registry, PrefixAdmission admission,
            int maxAnnouncementsPerPod) {
        this(gatewayId, registry, admission, maxAnnouncementsPerPod, null);
    }

    /**
     * Creates the service for a port that may carry pod client certificates.
     *
     * @param gatewayId              node id of this SG, sent in every Welcome
     * @param registry               where accepted announcements go
     * @param admission              the authorization hook
     * @param maxAnnouncementsPerPod most announcements a pod may hold or have awaiting
     *                               authorization, > 0
     * @param mesh                   the mesh whose pod certificates prove a pod id
     *                               ({@code spiffe://MESH/pod/ID}), or null to ignore certificates
     */
    public AttachService(String gatewayId, PodRegistry registry, PrefixAdmission admission,
            int maxAnnouncementsPerPod, String mesh) {
        this.mesh = mesh;
        if (gatewayId == null || gatewayId.isEmpty()) {
            throw new IllegalArgumentException("gatewayId: empty (expected: the SG's node id)");
        }
        if (maxAnnouncementsPerPod <= 0) {
            throw new IllegalArgumentException("maxAnnouncementsPerPod: " + maxAnnouncementsPerPod + " (expected: > 0)");
        }
        this.gatewayId = gatewayId;
        this.registry = Objects.requireNonNull(registry, "registry");
        this.admission = Objects.requireNonNull(admission, "admission");
        this.maxAnnouncementsPerPod = maxAnnouncementsPerPod;
    }

    /**
     * The service definition to register on the SG's pod-facing server: this service with an
     * interceptor that records each pod's remote address.
     *
     * @return the definition
     */
    public ServerServiceDefinition serviceDefinition() {
        ServiceDescriptor generated = PodGatewayGrpc.getServiceDescriptor();
        MethodDescriptor<PodMessage, GatewayMessage> method = PodGatewayGrpc.getAttachMethod().toBuilder()
                .setRequestMarshaller(new TolerantPodMessageMarshaller())
                .build();
        ServiceDescriptor service = ServiceDescriptor.newBuilder(generated.getName())
                .setSchemaDescriptor(generated.getSchemaDescriptor())
                .addMethod(method)
                .build();
        ServerServiceDefinition definition = ServerServiceDefinition.builder(service)
                .addMethod(method, attachHandler(bindService()))
                .build();
        return ServerInterceptors.intercept(definition, new RemoteAddressInterceptor(mesh));
    }

    @SuppressWarnings("unchecked") // the generated definition binds exactly this method's types
    private static ServerCallHandler<PodMessage, GatewayMessage> attachHandler(ServerServiceDefinition generated) {
        return (ServerCallHandler<PodMessage, GatewayMessage>) generated
                .getMethod(PodGatewayGrpc.getAttachMethod().getFullMethodName()).getServerCallHandler();
    }

    /**
     * Opens one pod's attach stream.
     *
     * @param responseObserver the SG-to-pod half of the stream
     * @return the pod-to-SG half
     */
    @Override
    public StreamObserver<PodMessage> attach(StreamObserver<GatewayMessage> responseObserver) {
        SocketAddress remote = REMOTE_ADDRESS.get();
        PodCertificate certificate = CERTIFICATE.get();
        return new PodStream(registry, admission, gatewayId, maxAnnouncementsPerPod,
                (ServerCallStreamObserver<GatewayMessage>) responseObserver, format(remote),
                remote instanceof InetSocketAddress inet ? inet.getAddress() : null,
                certificate == null ? PodCertificate.NONE : certificate);
    }

    private static String format(SocketAddress address) {
        if (address == null) {
            return "unknown";
        }
        if (address instanceof InetSocketAddress inet) {
            String host = inet.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return address.toString();
    }

    @Override
    public String toString() {
        return "AttachService{" + gatewayId + '}';
    }

    /**
     * Parses PodMessages like the generated marshaller, but turns bytes that are no protobuf at
     * all into {@link PodStream#MALFORMED}, so that the stream ends with INVALID_ARGUMENT and a
     * message instead of grpc-java's UNKNOWN "Application error processing RPC".
     */
    private static final class TolerantPodMessageMarshaller implements MethodDescriptor.Marshaller<PodMessage> {
        private final MethodDescriptor.Marshaller<PodMessage> delegate =
                ProtoUtils.marshaller(PodMessage.getDefaultInstance());

        @Override
        public InputStream stream(PodMessage value) {
            return delegate.stream(value);
        }

        @Override
        public PodMessage parse(InputStream stream) {
            try {
                return delegate.parse(stream);
            } catch (StatusRuntimeException e) {
                return PodStream.MALFORMED;
            }
        }
    }

    /** Puts the transport's remote address and the pod's certificate identity into the call's context. */
    private static final class RemoteAddressInterceptor implements ServerInterceptor {
        private final String mesh;

        RemoteAddressInterceptor(String mesh) {
            this.mesh = mesh;
        }

        @Override
        public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                ServerCallHandler<ReqT, RespT> next) {
            SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
            PodCertificate certificate = mesh == null ? PodCertificate.NONE
                    : certificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), mesh);
            return Contexts.interceptCall(Context.current().withValue(REMOTE_ADDRESS, remote)
                    .withValue(CERTIFICATE, certificate), call, headers, next);
        }
    }

    /** The identity a verified client certificate names, if it is a pod of this mesh. */
    static PodCertificate certificate(javax.net.ssl.SSLSession session, String mesh) {
        io.dmsc.node.security.MeshIdentity id;
        try {
            id = io.dmsc.node.security.GrpcTls.peer(session);
        } catch (IllegalArgumentException e) {
            return new PodCertificate(null, "the client certificate names no mesh identity: " + e.getMessage());
        }
        if (id == null) {
            return PodCertificate.NONE;
        }
        if (id.kind() != io.dmsc.node.security.MeshIdentity.Kind.POD || !id.mesh().equals(mesh)) {
            return new PodCertificate(null, "the client certificate is for " + id + " (expected: a pod certificate "
                    + "spiffe://" + mesh + "/pod/ID, made by dmsc ca issue --pod ID)");
        }
        return new PodCertificate(id, null);
    }
}
