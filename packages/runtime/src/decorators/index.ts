export {
  DubboReference,
  type DubboReferenceOptions,
  type ReferenceMetadata,
  referenceMetadataOf,
} from "./reference-decorator.js";
export {
  DubboGenericService,
  type DubboGenericServiceOptions,
  DubboService,
  type DubboServiceOptions,
  type GenericServiceMetadata,
  type ServiceMetadata,
  serviceMetadataOf,
} from "./service-decorator.js";
