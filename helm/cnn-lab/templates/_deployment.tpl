{{/*
One Deployment of the image: (root, role). role "" is the single instance (API and training in one pod, its own
state on the home volume); "api" serves and trains nothing; "worker" trains. Every role runs the same image with the
same configuration; the role sets only replicas, rollout, grace, resources and cnn.training.workers.
*/}}
{{- define "cnn-lab.deployment" -}}
{{- $root := .root -}}
{{- $values := $root.Values -}}
{{- $role := .role -}}
{{- $resources := $values.resources -}}
{{- $grace := $values.terminationGracePeriodSeconds -}}
{{- if eq $role "api" }}{{ $resources = $values.api.resources | default $values.resources }}{{ end -}}
{{- if eq $role "worker" }}{{ $resources = $values.worker.resources | default $values.resources }}{{ $grace = $values.worker.terminationGracePeriodSeconds }}{{ end -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "cnn-lab.roleName" . }}
  labels:
    {{- include "cnn-lab.labels" $root | nindent 4 }}
    {{- with $role }}
    app.kubernetes.io/component: {{ . }}
    {{- end }}
spec:
  {{- if eq $role "api" }}
  {{- if not $values.api.autoscaling.enabled }}
  replicas: {{ $values.api.replicas }}
  {{- end }}
  # one pod at a time, each ready before an old one stops: serving never drops to zero
  strategy:
    type: RollingUpdate
    rollingUpdate:
      {{- toYaml $values.api.rollingUpdate | nindent 6 }}
  {{- else if eq $role "worker" }}
  replicas: {{ $values.worker.replicas }}
  # a stopping worker checkpoints and releases its jobs; no extra training pod beyond the budget meanwhile
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 0
      maxUnavailable: 1
  {{- else }}
  replicas: {{ $values.replicaCount }}
  {{- if and $values.persistence.home.enabled (eq $values.persistence.home.accessMode "ReadWriteOnce") }}
  # the state directory can be mounted by one pod at a time: stop the old pod before starting the new one
  strategy:
    type: Recreate
  {{- end }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "cnn-lab.roleSelectorLabels" . | nindent 6 }}
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- with $values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      labels:
        {{- include "cnn-lab.roleSelectorLabels" . | nindent 8 }}
    spec:
      {{- with $values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      serviceAccountName: {{ include "cnn-lab.serviceAccountName" $root }}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ $grace }}
      securityContext:
        {{- toYaml $values.podSecurityContext | nindent 8 }}
      containers:
        - name: cnn-lab
          image: "{{ $values.image.repository }}:{{ $values.image.tag }}"
          imagePullPolicy: {{ $values.image.pullPolicy }}
          securityContext:
            {{- toYaml $values.securityContext | nindent 12 }}
          env:
            - name: SPRING_CONFIG_ADDITIONAL_LOCATION
              value: "optional:file:/config/"
            - name: CNN_HOME
              value: /data/home
            - name: CNN_DATA_DIR
              value: {{ if $values.persistence.data.enabled }}/data/cifar-10{{ else }}/data/home/cifar-10{{ end }}
            # the instance that holds a job's lease (the job view's worker): one live process per pod name, and a
            # restarted container takes its own jobs back at once instead of waiting for their leases to expire
            - name: CNN_INSTANCEID
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            {{- if eq $role "api" }}
            # serving only: an api pod claims no training job
            - name: CNN_TRAINING_WORKERS
              value: "0"
            {{- else if eq $role "worker" }}
            - name: CNN_TRAINING_WORKERS
              value: {{ $values.worker.trainingWorkers | quote }}
            {{- end }}
            {{- with include "cnn-lab.clusterEnv" $root | trim }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with $values.jvm.options }}
            # the image's JAVA_TOOL_OPTIONS carry the JVM flags; these replace single ones of them
            - name: JDK_JAVA_OPTIONS
              value: {{ . | quote }}
            {{- end }}
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          {{- if $values.probes.startup.enabled }}
          startupProbe:
            httpGet:
              path: /actuator/health/liveness
              port: http
            periodSeconds: {{ $values.probes.startup.periodSeconds }}
            timeoutSeconds: {{ $values.probes.startup.timeoutSeconds }}
            failureThreshold: {{ $values.probes.startup.failureThreshold }}
          {{- end }}
          {{- if $values.probes.liveness.enabled }}
          livenessProbe:
            httpGet:
              path: /actuator/health/liveness
              port: http
            periodSeconds: {{ $values.probes.liveness.periodSeconds }}
            timeoutSeconds: {{ $values.probes.liveness.timeoutSeconds }}
            failureThreshold: {{ $values.probes.liveness.failureThreshold }}
          {{- end }}
          {{- if $values.probes.readiness.enabled }}
          readinessProbe:
            httpGet:
              path: /actuator/health/readiness
              port: http
            periodSeconds: {{ $values.probes.readiness.periodSeconds }}
            timeoutSeconds: {{ $values.probes.readiness.timeoutSeconds }}
            failureThreshold: {{ $values.probes.readiness.failureThreshold }}
          {{- end }}
          resources:
            {{- toYaml $resources | nindent 12 }}
          volumeMounts:
            - name: home
              mountPath: /data/home
            - name: tmp
              mountPath: /tmp/cnn
            - name: config
              mountPath: /config
              readOnly: true
            {{- if $values.persistence.data.enabled }}
            - name: data
              mountPath: /data/cifar-10
              readOnly: true
              {{- with $values.persistence.data.subPath }}
              subPath: {{ . }}
              {{- end }}
            {{- end }}
            {{- if and (eq $values.storage.type "filesystem") $values.storage.filesystem.existingClaim }}
            - name: storage
              mountPath: {{ $values.storage.filesystem.mountPath }}
              {{- with $values.storage.filesystem.subPath }}
              subPath: {{ . }}
              {{- end }}
            {{- end }}
      volumes:
        - name: home
          {{- if $role }}
          # local state only (a cache, a downloaded CIFAR-10): jobs, checkpoints and models are shared elsewhere
          emptyDir:
            sizeLimit: {{ $values.roles.homeSizeLimit }}
          {{- else if $values.persistence.home.enabled }}
          persistentVolumeClaim:
            claimName: {{ include "cnn-lab.homeClaim" $root }}
          {{- else }}
          emptyDir: {}
          {{- end }}
        - name: tmp
          emptyDir:
            sizeLimit: {{ $values.tmpSizeLimit }}
        - name: config
          configMap:
            name: {{ include "cnn-lab.fullname" $root }}
        {{- if $values.persistence.data.enabled }}
        - name: data
          persistentVolumeClaim:
            claimName: {{ required "persistence.data.existingClaim is required when persistence.data.enabled" $values.persistence.data.existingClaim }}
            readOnly: true
        {{- end }}
        {{- if and (eq $values.storage.type "filesystem") $values.storage.filesystem.existingClaim }}
        - name: storage
          persistentVolumeClaim:
            claimName: {{ $values.storage.filesystem.existingClaim }}
        {{- end }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
