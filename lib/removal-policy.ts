import { RemovalPolicy } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** The context key that must also say true before a stack's data may be deleted with it. */
export const DESTROY_ON_REMOVE_CONTEXT = 'destroyOnRemove';

/**
 * RETAIN unless the construct's prop *and* the context flag both say destroy: data survives a
 * `cdk destroy` or a mistyped prop, and deleting it takes two deliberate switches.
 */
export function dataRemovalPolicy(scope: Construct, destroyOnRemove: boolean | undefined): RemovalPolicy {
  const flag = scope.node.tryGetContext(DESTROY_ON_REMOVE_CONTEXT);
  const contextSaysDestroy = flag === true || flag === 'true';
  return destroyOnRemove === true && contextSaysDestroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}
